//! The window: a tab bar over the views.

import { useState } from "react";
import { GraphView } from "./views/graph/GraphView";
import { ServicesView } from "./views/services/ServicesView";

const VIEWS = ["Services", "Graph"] as const;
type View = (typeof VIEWS)[number];

export function App() {
  const [view, setView] = useState<View>("Services");
  return (
    <div className="app">
      <header className="app-header">
        <h1>nexsock</h1>
        <nav aria-label="Views" role="tablist">
          {VIEWS.map((v) => (
            <button key={v} role="tab" aria-selected={view === v} onClick={() => setView(v)}>
              {v}
            </button>
          ))}
        </nav>
      </header>
      <main>{view === "Services" ? <ServicesView /> : <GraphView />}</main>
    </div>
  );
}
