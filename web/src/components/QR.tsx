import { encode } from "uqr";

// QR draws text as an SVG QR code (quiet zone included), crisp on screen and paper.
// data-code carries the text so a scanner test can compare what it decodes.
export function QR({ text, label, size = 200 }: { text: string; label: string; size?: number }) {
  const q = encode(text, { ecc: "M", border: 4 });
  let d = "";
  q.data.forEach((row, y) =>
    row.forEach((dark, x) => {
      if (dark) d += `M${x} ${y}h1v1h-1z`;
    }),
  );
  return (
    <svg class="qr" role="img" aria-label={label} data-code={text} viewBox={`0 0 ${q.size} ${q.size}`}
      width={size} height={size} shape-rendering="crispEdges">
      <rect width={q.size} height={q.size} fill="#fff" />
      <path d={d} fill="#000" />
    </svg>
  );
}
