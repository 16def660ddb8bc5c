//! The window: a tab bar over the views. The open view is kept in the URL hash (`#graph`), so a
//! reload, a link or an end-to-end test can open a view directly; the Inspector names its tunnel's
//! service after a slash (`#inspector/web`: a tunnel card's link, the tray's "Inspect").

import { createElement, useEffect, useState } from "react";
import { GraphView } from "./views/graph/GraphView";
import { HealthView } from "./views/health/HealthView";
import { HistoryView } from "./views/history/HistoryView";
import { InspectorView } from "./views/inspector/InspectorView";
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
  inspector: { label: "Inspector", Component: null },
  logs: { label: "Logs", Component: LogsView },
  history: { label: "History", Component: HistoryView },
  settings: { label: "Settings", Component: SettingsView },
} as const;
type View = keyof typeof VIEWS;

/** The open view and, for the Inspector, the service whose tunnel it shows. */
interface Route {
  view: View;
  service: string | null;
}

/** The hash of a view (and its service). */
export function routeHash(view: View, service: string | null = null): string {
  return service === null ? `#${view}` : `#${view}/${encodeURIComponent(service)}`;
}

function routeFromHash(): Route {
  const [name, arg] = window.location.hash.slice(1).split("/", 2);
  if (!(name in VIEWS)) return { view: "services", service: null };
  const view = name as View;
  let service: string | null = null;
  try {
    service = view === "inspector" && arg ? decodeURIComponent(arg) : null;
  } catch {
    // A malformed escape: no service named.
  }
  return { view, service };
}

export function App() {
  const [route, setRoute] = useState<Route>(routeFromHash);
  const { view } = route;

  useEffect(() => {
    const onHash = () => setRoute(routeFromHash());
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);

  const open = (v: View, service: string | null = null) => {
    setRoute({ view: v, service });
    window.history.replaceState(null, "", routeHash(v, service));
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
      <main>
        {view === "inspector" ? (
          <InspectorView service={route.service} onPick={(s) => open("inspector", s)} />
        ) : (
          createElement(VIEWS[view].Component)
        )}
      </main>
    </div>
  );
}
