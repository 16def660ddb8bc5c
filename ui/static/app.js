// Placeholder window: lists services through the one bridge command and follows engine events.
const tauri = window.__TAURI_INTERNALS__;

async function call(request) {
  return tauri.invoke("request", { request });
}

async function refresh() {
  const response = await call({ type: "list_services" });
  const rows = response.data.map((s) => {
    const tr = document.createElement("tr");
    for (const [text, cls] of [[s.name, ""], [s.state, s.state], [s.port ?? "-", ""]]) {
      const td = document.createElement("td");
      td.textContent = text;
      if (cls) td.className = cls;
      tr.appendChild(td);
    }
    return tr;
  });
  document.getElementById("services").replaceChildren(...rows);
  document.getElementById("status").textContent = `${response.data.length} services`;
}

if (tauri) {
  refresh().catch((e) => (document.getElementById("status").textContent = e.message ?? String(e)));
  tauri.invoke("plugin:event|listen", { event: "nexsock://event", target: { kind: "Any" }, handler: tauri.transformCallback(() => refresh()) });
} else {
  document.getElementById("status").textContent = "Open this page in the nexsock app.";
}
