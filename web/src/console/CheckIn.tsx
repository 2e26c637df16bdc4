import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, post } from "../api";
import { Field, Title } from "../components/ui";
import { when } from "../format";
import type { CheckIn } from "../types";
import { ConsoleNav } from "./Console";

// BarcodeDetector is in Chromium on Android, macOS and ChromeOS, not everywhere; typed
// codes work on every device.
interface Detector {
  detect(source: HTMLVideoElement): Promise<{ rawValue: string }[]>;
}
declare const BarcodeDetector: { new (o: { formats: string[] }): Detector } | undefined;

type Result =
  | { kind: "ok"; c: CheckIn }
  | { kind: "again"; message: string }
  | { kind: "bad"; message: string };

function beep(ok: boolean) {
  try {
    const ctx = new AudioContext();
    const o = ctx.createOscillator();
    o.frequency.value = ok ? 880 : 220;
    o.connect(ctx.destination);
    o.start();
    o.stop(ctx.currentTime + (ok ? 0.15 : 0.5));
  } catch {
    // No audio: the banner says it.
  }
}

// CheckInPage scans tickets at the door: camera (where the browser detects QR codes) or a
// typed code, and answers loudly: first scan, already checked in, or not a ticket here.
export function CheckInPage({ id }: { id: string }) {
  const [code, setCode] = useState("");
  const [result, setResult] = useState<Result>();
  const [scanning, setScanning] = useState(false);
  const [count, setCount] = useState(0);
  const video = useRef<HTMLVideoElement>(null);
  const busy = useRef(false);
  const last = useRef<{ code: string; at: number }>({ code: "", at: 0 });
  const canScan = typeof BarcodeDetector !== "undefined" && !!navigator.mediaDevices?.getUserMedia;

  async function check(raw: string) {
    const c = raw.trim();
    if (!c || busy.current) return;
    busy.current = true;
    try {
      const r = await post<CheckIn>(`/admin/events/${id}/checkins`, { code: c });
      setResult({ kind: "ok", c: r });
      setCount((n) => n + 1);
      beep(true);
    } catch (e) {
      if (e instanceof ApiError && e.code === "already_checked_in") setResult({ kind: "again", message: e.message });
      else if (e instanceof ApiError && (e.status === 404 || e.status === 400)) setResult({ kind: "bad", message: "Not a valid ticket for this event." });
      else setResult({ kind: "bad", message: e instanceof Error ? e.message : String(e) });
      beep(false);
    } finally {
      busy.current = false;
      setCode("");
    }
  }

  useEffect(() => {
    if (!scanning || !canScan) return;
    let stream: MediaStream | undefined;
    let stop = false;
    const detector = new BarcodeDetector!({ formats: ["qr_code"] });
    (async () => {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
      if (!video.current) return;
      video.current.srcObject = stream;
      await video.current.play();
      while (!stop) {
        const found = await detector.detect(video.current).catch(() => []);
        const v = found[0]?.rawValue;
        // The same code in front of the camera is scanned once per 3 s, not per frame.
        if (v && (v !== last.current.code || Date.now() - last.current.at > 3000)) {
          last.current = { code: v, at: Date.now() };
          await check(v);
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    })().catch(() => setScanning(false));
    return () => {
      stop = true;
      stream?.getTracks().forEach((t) => t.stop());
    };
  }, [scanning]);

  return (
    <>
      <ConsoleNav id={id} />
      <Title>Check-in</Title>
      <div class={"scan " + (result?.kind ?? "idle")} role="alert" aria-live="assertive" data-result={result?.kind ?? ""}>
        {!result && "Scan a ticket"}
        {result?.kind === "ok" && <>✔ Welcome! {result.c.ticket_type_name && <>{result.c.ticket_type_name}, </>}ticket {result.c.seat} checked in at {when(result.c.checked_in_at)}</>}
        {result?.kind === "again" && <>✖ ALREADY CHECKED IN. {result.message}</>}
        {result?.kind === "bad" && <>✖ {result.message}</>}
      </div>
      {canScan && (
        <p>
          <button type="button" onClick={() => setScanning(!scanning)}>{scanning ? "Stop camera" : "Scan with camera"}</button>
        </p>
      )}
      {scanning && <video ref={video} class="camera" muted playsInline aria-label="Camera preview" />}
      <form onSubmit={(e) => { e.preventDefault(); check(code); }}>
        <Field label="Ticket code" name="code" autoComplete="off" value={code} onInput={(e) => setCode((e.target as HTMLInputElement).value)} />
        <button type="submit">Check in</button>
      </form>
      <p class="muted">{count} checked in from this device.</p>
    </>
  );
}
