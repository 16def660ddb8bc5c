//! The window: a tab bar over the views. The open view is kept in the URL hash (`#graph`), so a
//! reload, a link or an end-to-end test can open a view directly.

import { createElement, useEffect, useState } from "react";
import { GraphView } from "./views/graph/GraphView";
import { HealthView } from "./views/health/HealthView";
import { HistoryView } from "./views/history/HistoryView";
import { LogsView } from "./views/logs/LogsView";
import { ServicesView } from "./views/services/ServicesView";
import { SettingsView } from "./views/settings/SettingsView";
import { TunnelsView } from "./views/tunnels/TunnelsView";

/** The tabs, in order: the hash name, the tab's label and the view it opens. */
const VIEWS = {
  services: { label: "Services", Component: ServicesView },
  graph: { label: "Graph", Component: GraphView },
  health: { label: "Health", Component: HealthView },
  tunnels: { label: "Tunnels", Component: TunnelsView },
  logs: { label: "Logs", Component: LogsView },
  history: { label: "History", Component: HistoryView },
  settings: { label: "Settings", Component: SettingsView },
} as const;
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
              {VIEWS[v].label}
            </button>
          ))}
        </nav>
      </header>
      <main>{createElement(VIEWS[view].Component)}</main>
    </div>
  );
}
