//! The window: a tab bar over the views. The open view is kept in the URL hash (`#graph`), so a
//! reload, a link or an end-to-end test can open a view directly.

import { useEffect, useState } from "react";
import { GraphView } from "./views/graph/GraphView";
import { ServicesView } from "./views/services/ServicesView";

const VIEWS = { services: "Services", graph: "Graph" } as const;
type View = keyof typeof VIEWS;

function viewFromHash(): View {
  const hash = window.location.hash.slice(1);
  return hash in VIEWS ? (hash as View) : "services";
}

export function App() {
  const [view, setView] = useState<View>(viewFromHash);

  useEffect(() => {
    const onHash = () => setView(viewFromHash());
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);

  const open = (v: View) => {
    setView(v);
    window.history.replaceState(null, "", `#${v}`);
  };

  return (
    <div className="app">
      <header className="app-header">
        <h1>nexsock</h1>
        <nav aria-label="Views">
          {(Object.keys(VIEWS) as View[]).map((v) => (
            <button key={v} type="button" aria-current={view === v ? "page" : undefined} onClick={() => open(v)}>
              {VIEWS[v]}
            </button>
          ))}
        </nav>
      </header>
      <main>{view === "services" ? <ServicesView /> : <GraphView />}</main>
    </div>
  );
}
