//! Readable contrast in both themes: every text colour of styles.css against the backgrounds it is
//! drawn on meets WCAG AA (4.5:1 for text), and the focus ring stands out (3:1 for UI parts).

import { describe, expect, it } from "vitest";
import { SERVICE_STATES } from "./api/states";
import css from "./styles.css?raw";

/** The custom properties of the first block after `marker`. */
function variables(marker: string): Record<string, string> {
  const start = css.indexOf(marker);
  const block = css.slice(start, css.indexOf("}", start));
  return Object.fromEntries([...block.matchAll(/--([\w-]+):\s*(#[0-9a-fA-F]{6})/g)].map((m) => [m[1], m[2]]));
}

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** The WCAG contrast ratio of two colours. */
function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

const TEXT_PAIRS: [string, string][] = [
  ["fg", "bg"], ["fg", "panel"], ["muted", "bg"], ["muted", "panel"], ["accent", "bg"], ["accent", "panel"],
  ["accent-fg", "accent"], ["error-fg", "error-bg"],
  // Every service state the contract has (`completed` included): a new one needs its colours.
  ...SERVICE_STATES.map((s): [string, string] => [`${s}-fg`, `${s}-bg`]),
];

describe.each([
  ["light", ":root"],
  ["dark", "@media (prefers-color-scheme: dark)"],
])("the %s theme", (_, marker) => {
  const vars = variables(marker);

  it("defines every colour the checks need", () => {
    for (const [fg, bg] of TEXT_PAIRS) expect([vars[fg], vars[bg]]).not.toContain(undefined);
    expect(vars.focus).toBeDefined();
  });

  it.each(TEXT_PAIRS)("draws %s on %s at 4.5:1 or more", (fg, bg) => {
    expect(contrast(vars[fg]!, vars[bg]!)).toBeGreaterThanOrEqual(4.5);
  });

  it("has a focus ring at 3:1 or more against the background", () => {
    expect(contrast(vars.focus!, vars.bg!)).toBeGreaterThanOrEqual(3);
  });
});

it.each(SERVICE_STATES)("colours the state %s with its own pair of colours", (state) => {
  expect(css).toContain(`.state-${state} { background: var(--${state}-bg); color: var(--${state}-fg); }`);
});

it("gives a completed node and a done health cell the completed colours", () => {
  expect(css).toContain(".graph-node.state-completed { border-color: var(--completed-fg); }");
  expect(css).toContain(".tone-done { background: var(--completed-bg); color: var(--completed-fg); }");
});

it("measures contrast like WCAG", () => {
  expect(contrast("#000000", "#ffffff")).toBeCloseTo(21, 5);
  expect(contrast("#777777", "#ffffff")).toBeCloseTo(4.48, 2);
});
