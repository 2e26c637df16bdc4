import { useEffect, useRef, useState } from "preact/hooks";
import { get, request } from "../api";
import { ErrorBox, Loading, Notice, Title, useAsync, useNow, usePoll } from "../components/ui";
import { mmss, when } from "../format";
import type { Event, Page, WaitlistEntry } from "../types";

// MyWaitlist lists the buyer's places in line with their position, and offers with the
// deadline to confirm them (an offer is a hold: confirming is paying for it).
export function MyWaitlist() {
  const list = useAsync(() => get<Page<WaitlistEntry>>("/me/waitlist?limit=50"), []);
  const [names, setNames] = useState<Record<string, Event>>({});
  const [error, setError] = useState<unknown>();
  const now = useNow();

  const asked = useRef(new Set<string>());
  usePoll(() => list.reload(), 5000, [], false);
  useEffect(() => {
    const ids = [...new Set((list.data?.items ?? []).map((e) => e.event_id))].filter((id) => !asked.current.has(id));
    ids.forEach((id) => asked.current.add(id));
    Promise.all(ids.map((id) => get<Event>("/events/" + id, { auth: false }).catch(() => undefined))).then((evs) => {
      setNames((names) => {
        const next = { ...names };
        evs.forEach((e) => e && (next[e.event_id] = e));
        return next;
      });
    });
  }, [list.data]);

  async function leave(eventId: string) {
    try {
      await request(`/events/${eventId}/waitlist/me`, { method: "DELETE" });
      list.reload();
    } catch (e) {
      setError(e);
    }
  }

  return (
    <>
      <Title>My waitlist</Title>
      <ErrorBox error={list.error ?? error} />
      {list.loading && !list.data ? <Loading /> : list.data && (
        list.data.items.length === 0 ? <p>You are not waiting for any event.</p> : (
          <ul class="cards">
            {list.data.items.map((w) => {
              const ev = names[w.event_id];
              const left = w.offer ? new Date(w.offer.expires_at).getTime() - now : 0;
              return (
                <li key={w.entry_id} class="card">
                  <h2><a href={"/e/" + w.event_id}>{ev?.name ?? "Event"}</a></h2>
                  {ev && <p>{when(ev.starts_at)}</p>}
                  <p>{w.quantity} ticket{w.quantity === 1 ? "" : "s"} · <span class={"status " + w.status}>{w.status.replace("_", " ")}</span>
                    {w.status === "waiting" && w.position ? <> · number <strong>{w.position}</strong> in line</> : null}</p>
                  {w.status === "offered" && w.offer && left > 0 && (
                    <Notice kind="ok">
                      Seats are held for you: confirm within <strong role="timer">{mmss(left)}</strong>.{" "}
                      <a class="button" href={"/checkout/" + w.offer.booking_id}>Confirm offer</a>
                    </Notice>
                  )}
                  {(w.status === "waiting" || w.status === "offered") && (
                    <button type="button" class="secondary" onClick={() => leave(w.event_id)}>
                      {w.status === "offered" ? "Decline offer" : "Leave the waitlist"}
                    </button>
                  )}
                </li>
              );
            })}
          </ul>
        )
      )}
    </>
  );
}
