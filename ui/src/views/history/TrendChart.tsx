//! One service's spawn-to-ready time across runs as an SVG sparkline (see `trend.ts`): a point
//! (`.trend-point`, titled) per run, the run of the selected chain start drawn larger.

import type { TrendPoint } from "./merge";
import { formatMs } from "./merge";
import { trendLayout, trendSummary } from "./trend";

interface Props {
  service: string;
  /** Its runs, oldest first. */
  points: TrendPoint[];
  /** The chain start shown above, whose run stands out. */
  currentId: number | null;
}

export function TrendChart({ service, points, currentId }: Props) {
  const layout = trendLayout(points);
  const latest = points[points.length - 1];
  return (
    <figure className="trend" aria-label={`Spawn to ready of ${service} across runs`} data-testid={`trend-${service}`}>
      <figcaption>
        <strong>{service}</strong>{" "}
        <span className="trend-latest">
          {latest && (latest.spawnToReadyMs === null ? latest.state : formatMs(latest.spawnToReadyMs))}
          {layout.maxMs > 0 && ` · slowest ${formatMs(layout.maxMs)}`}
        </span>
      </figcaption>
      <svg
        className="trend-chart"
        role="img"
        aria-label={trendSummary(service, points)}
        viewBox={`0 0 ${layout.width} ${layout.height}`}
        width="100%"
        preserveAspectRatio="xMidYMid meet"
      >
        <line className="trend-baseline" x1={0} x2={layout.width} y1={layout.baseline} y2={layout.baseline} />
        {layout.path && <path className="trend-line" d={layout.path} />}
        {layout.marks.map((m) => {
          const current = m.executionId === currentId ? " trend-current" : "";
          if (m.spawnToReadyMs === null) {
            const d = `M${m.x - 3} ${m.y - 3} L${m.x + 3} ${m.y + 3} M${m.x - 3} ${m.y + 3} L${m.x + 3} ${m.y - 3}`;
            return (
              <path key={m.executionId} className={`trend-point trend-miss${current}`} d={d} data-execution={m.executionId}>
                <title>{m.title}</title>
              </path>
            );
          }
          return (
            <circle
              key={m.executionId}
              className={`trend-point${current}`}
              cx={m.x}
              cy={m.y}
              r={current ? 4.5 : 3}
              data-execution={m.executionId}
            >
              <title>{m.title}</title>
            </circle>
          );
        })}
      </svg>
    </figure>
  );
}
