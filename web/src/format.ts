import type { Money } from "./types";

export function money(m: Money | null | undefined): string {
  if (!m) return "";
  try {
    return new Intl.NumberFormat(undefined, { style: "currency", currency: m.currency }).format(m.amount / 100);
  } catch {
    return `${(m.amount / 100).toFixed(2)} ${m.currency}`;
  }
}

export function when(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export function date(iso: string): string {
  return new Date(iso).toLocaleDateString(undefined, { weekday: "short", day: "numeric", month: "short", year: "numeric" });
}

// mmss formats a remaining duration: 14:05.
export function mmss(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

// refundPercent mirrors the booking core's default policy (internal/booking/refund.go):
// everything back until 24 h before the start, half until 2 h before, then nothing. The
// cancel answer states what was actually refunded.
export const defaultRefundTiers = [
  { hours_before: 24, percent: 100 },
  { hours_before: 2, percent: 50 },
];

export function refundPercent(startsAt: string, now = Date.now(), tiers = defaultRefundTiers): number {
  const left = new Date(startsAt).getTime() - now;
  let best = 0;
  for (const t of tiers) if (left >= t.hours_before * 3_600_000 && t.percent > best) best = t.percent;
  return best;
}

export function refundAmount(total: Money, percent: number): Money {
  if (percent <= 0) return { amount: 0, currency: total.currency };
  if (percent >= 100) return total;
  return { amount: Math.ceil((total.amount * percent) / 100), currency: total.currency };
}
