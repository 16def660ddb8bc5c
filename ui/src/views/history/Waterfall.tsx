//! One chain start as an SVG waterfall (see `waterfall.ts` for what each part means): a row per
//! service (`data-testid="waterfall-SERVICE"`, `data-state`, `data-critical="true"` on the
//! critical chain), each bar and wait segment titled, and under it a caption naming the critical
//! chain and a legend.

import { useId } from "react";
import type { ExecutionReport } from "../../api/types/ExecutionReport";
import { formatMs } from "./merge";
import { WATERFALL_SIZE, waterfallLayout, waterfallSummary } from "./waterfall";

export function Waterfall({ report }: { report: ExecutionReport }) {
  const layout = waterfallLayout(report);
  const { rowHeight, barHeight, axisHeight } = WATERFALL_SIZE;
  // A pattern's id is document-wide: one per waterfall, in characters `url(#…)` takes as they are.
  const hatch = `wf-hatch-${useId().replace(/[^\w-]/g, "")}`;
  const chain = report.critical_chain;
  return (
    <figure className="waterfall" aria-label={`Waterfall of chain start #${report.id}`} data-testid="waterfall">
      <svg
        className="waterfall-chart"
        role="img"
        aria-label={waterfallSummary(report)}
        viewBox={`0 0 ${layout.width} ${layout.height}`}
        width="100%"
        preserveAspectRatio="xMinYMin meet"
      >
        <defs>
          <pattern id={hatch} width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
            <line className="wf-hatch-line" x1="0" y1="0" x2="0" y2="6" />
          </pattern>
        </defs>
        <g className="wf-axis">
          {layout.ticks.map((t) => (
            <g key={t.ms}>
              <line className="wf-grid" x1={t.x} x2={t.x} y1={axisHeight - 4} y2={layout.height} />
              <text x={t.x} y={axisHeight - 8} textAnchor="middle">{t.label}</text>
            </g>
          ))}
        </g>
        {layout.rows.map((r) => (
          <g
            key={r.name}
            className={`wf-row wf-${r.state}${r.critical ? " wf-critical" : ""}`}
            data-testid={`waterfall-${r.name}`}
            data-state={r.state}
            data-critical={r.critical ? "true" : undefined}
          >
            <title>{r.title}</title>
            {r.critical && <rect className="wf-critical-band" x={0} y={r.y} width={layout.width} height={rowHeight} />}
            <text className="wf-name" x={layout.plotLeft - 8} y={r.y + rowHeight / 2} textAnchor="end" dominantBaseline="central">
              {r.critical ? `◆ ${r.name}` : r.name}
            </text>
            {r.wait && (
              <rect className="wf-wait" fill={`url(#${hatch})`} x={r.wait.x} y={r.barY} width={r.wait.width} height={barHeight}>
                <title>{r.waitTitle}</title>
              </rect>
            )}
            {r.run && (
              <rect className="wf-bar" x={r.run.x} y={r.barY} width={r.run.width} height={barHeight} rx={2}>
                <title>{r.title}</title>
              </rect>
            )}
            {r.unstarted && (
              <rect className="wf-unstarted" x={r.unstarted.x} y={r.barY} width={r.unstarted.width} height={barHeight} rx={2}>
                <title>{r.title}</title>
              </rect>
            )}
            <text className="wf-value" x={layout.plotRight + 8} y={r.y + rowHeight / 2} dominantBaseline="central">
              {r.value}
            </text>
          </g>
        ))}
        <line className="wf-end" x1={layout.endX} x2={layout.endX} y1={axisHeight - 4} y2={layout.height}>
          <title>{`The chain start ended at ${formatMs(report.total_ms)}`}</title>
        </line>
      </svg>
      <figcaption>
        <p className="critical-caption" data-testid="critical-chain">
          {chain.length > 0 ? (
            <>Critical chain (◆, highlighted): <strong>{chain.join(" → ")}</strong></>
          ) : (
            <>No critical chain: no service became ready.</>
          )}
        </p>
        {report.error && <p className="wf-error">{report.error}</p>}
        <p className="wf-legend">
          <span className="legend-swatch legend-wait" aria-hidden="true" /> waiting before its spawn{" "}
          <span className="legend-swatch legend-bar" aria-hidden="true" /> spawn → ready{" "}
          <span className="legend-swatch legend-failed" aria-hidden="true" /> failed (to the end: no failure time is
          recorded){" "}
          <span className="legend-swatch legend-unstarted" aria-hidden="true" /> never spawned (skipped)
        </p>
      </figcaption>
    </figure>
  );
}
