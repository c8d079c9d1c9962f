// The front end of sopkit's delivery widget (sopkit/ui/deliver.py), loaded by anywidget.
//
// The kernel hands things to the page as custom messages, heard once per page (by the model,
// not a view): a file (its bytes as a binary buffer) becomes a download; a CSS selector is
// scrolled into view. Nothing is kept and nothing goes back.

function bytesOf(buffer) {
  if (buffer instanceof ArrayBuffer) return new Uint8Array(buffer);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

function save(name, mime, buffer) {
  const url = URL.createObjectURL(new Blob([bytesOf(buffer)], { type: mime }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

function scrollTo(css) {
  // After the message the page is showing has been laid out.
  requestAnimationFrame(() => requestAnimationFrame(() => {
    const el = document.querySelector(css);
    if (el) el.scrollIntoView({ block: "nearest" });
  }));
}

export default {
  initialize({ model }) {
    model.on("msg:custom", (msg, buffers) => {
      if (!msg || typeof msg !== "object") return;
      if (msg.type === "file" && buffers && buffers.length) save(String(msg.name), String(msg.mime), buffers[0]);
      else if (msg.type === "scroll") scrollTo(String(msg.css));
    });
  },
  render({ el }) {
    el.hidden = true;
  },
};
