import { useState } from "preact/hooks";
import { get, qs } from "../api";
import { ErrorBox, Loading, Select, Title, useAsync } from "../components/ui";
import { money, when } from "../format";
import { Pager } from "../pages/Bookings";
import { match } from "../router";
import type { Event, Page } from "../types";
import { CheckInPage } from "./CheckIn";
import { EventEditor } from "./EventEditor";
import { BookingsList, WaitlistList } from "./Lists";
import { PromoCodes } from "./PromoCodes";
import { Sales } from "./Sales";
import { VenueEditor, Venues } from "./Venues";

// Console is the organiser back office (admins group only; the API checks it again).
export function Console({ path }: { path: string; query: URLSearchParams }) {
  const routes: [string, (p: Record<string, string>) => preact.JSX.Element][] = [
    ["/console", () => <EventsAdmin />],
    ["/console/venues", () => <Venues />],
    ["/console/venues/new", () => <VenueEditor />],
    ["/console/venues/:id", (p) => <VenueEditor id={p.id} />],
    ["/console/events/new", () => <EventEditor />],
    ["/console/events/:id", (p) => <EventEditor id={p.id} />],
    ["/console/events/:id/sales", (p) => <Sales id={p.id!} />],
    ["/console/events/:id/bookings", (p) => <BookingsList id={p.id!} />],
    ["/console/events/:id/waitlist", (p) => <WaitlistList id={p.id!} />],
    ["/console/events/:id/checkin", (p) => <CheckInPage id={p.id!} />],
    ["/console/events/:id/promo-codes", (p) => <PromoCodes id={p.id!} />],
  ];
  for (const [pattern, page] of routes) {
    const p = match(pattern, path);
    if (p) return page(p);
  }
  return <Title>Not found</Title>;
}

export function ConsoleNav({ id }: { id?: string }) {
  return (
    <nav class="subnav" aria-label="Organiser">
      <a href="/console">Events</a>
      <a href="/console/venues">Venues</a>
      {id && (
        <>
          <a href={`/console/events/${id}`}>Edit</a>
          <a href={`/console/events/${id}/promo-codes`}>Promo codes</a>
          <a href={`/console/events/${id}/sales`}>Sales</a>
          <a href={`/console/events/${id}/bookings`}>Bookings</a>
          <a href={`/console/events/${id}/waitlist`}>Waitlist</a>
          <a href={`/console/events/${id}/checkin`}>Check-in</a>
        </>
      )}
    </nav>
  );
}

function EventsAdmin() {
  const [status, setStatus] = useState("");
  const [cursor, setCursor] = useState<string>();
  const [prev, setPrev] = useState<(string | undefined)[]>([]);
  const page = useAsync(() => get<Page<Event>>("/admin/events" + qs({ status, cursor, limit: 25 })), [status, cursor]);
  return (
    <>
      <ConsoleNav />
      <Title>Events</Title>
      <p><a class="button" href="/console/events/new">New event</a> <a class="button secondary" href="/console/venues/new">New venue</a></p>
      <Select label="Status" value={status} onChange={(e) => { setStatus((e.target as HTMLSelectElement).value); setCursor(undefined); setPrev([]); }}>
        <option value="">All</option>
        <option value="draft">Draft</option>
        <option value="published">Published</option>
        <option value="cancelled">Cancelled</option>
      </Select>
      <ErrorBox error={page.error} />
      {page.loading && !page.data ? <Loading /> : page.data && (
        <table class="list">
          <caption class="sr-only">Events, newest first</caption>
          <thead><tr><th scope="col">Event</th><th scope="col">Starts</th><th scope="col">Status</th><th scope="col">Sold</th><th scope="col">Price</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {page.data.items.map((e) => (
              <tr key={e.event_id}>
                <td><a href={`/console/events/${e.event_id}`}>{e.name}</a></td>
                <td>{when(e.starts_at)}</td>
                <td><span class={"status " + e.status}>{e.status}</span></td>
                <td>{e.sold ?? 0} / {e.capacity}</td>
                <td>{money(e.price)}</td>
                <td><a href={`/console/events/${e.event_id}/sales`}>Sales</a> · <a href={`/console/events/${e.event_id}/checkin`}>Check-in</a></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager prev={prev.length > 0} next={page.data?.next_cursor}
        onPrev={() => { setCursor(prev[prev.length - 1]); setPrev(prev.slice(0, -1)); }}
        onNext={(c) => { setPrev([...prev, cursor]); setCursor(c); }} />
    </>
  );
}
