"""The static build (Voici + Pyodide, scripts/build-static.sh): its build steps (fast, in the
test command) and the built site in Debian's chromium (marker ``static``, scripts/test-static.sh)."""
