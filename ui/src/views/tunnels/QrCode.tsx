//! A QR code as inline SVG built from the module matrix: one `<path>` of the dark modules on a
//! light square with the quiet zone. No data URLs and no injected markup (the app's CSP).

import qrcode from "qrcode-generator";
import { useMemo } from "react";

/** Light modules around the code, as the standard asks. */
const QUIET_ZONE = 4;

/** The dark modules as one path: a rectangle per horizontal run, in module units. */
export function qrPath(text: string): { size: number; d: string } {
  const qr = qrcode(0, "M");
  qr.addData(text);
  qr.make();
  const count = qr.getModuleCount();
  const runs: string[] = [];
  for (let r = 0; r < count; r++) {
    for (let c = 0; c < count; c++) {
      if (!qr.isDark(r, c)) continue;
      let len = 1;
      while (c + len < count && qr.isDark(r, c + len)) len++;
      runs.push(`M${c + QUIET_ZONE} ${r + QUIET_ZONE}h${len}v1h-${len}z`);
      c += len - 1;
    }
  }
  return { size: count + 2 * QUIET_ZONE, d: runs.join("") };
}

/** The QR code of `text`, scaled by CSS; dark on light in both themes, so it always scans. */
export function QrCode({ text }: { text: string }) {
  const { size, d } = useMemo(() => qrPath(text), [text]);
  return (
    <svg className="qr" role="img" aria-label={`QR code for ${text}`} viewBox={`0 0 ${size} ${size}`} shapeRendering="crispEdges">
      {/* Presentation attributes, not styles: fixed colours in either theme, allowed by the CSP. */}
      <rect width={size} height={size} fill="#ffffff" />
      <path d={d} fill="#000000" />
    </svg>
  );
}
