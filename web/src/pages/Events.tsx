import { useEffect, useState } from "preact/hooks";
import { get, qs } from "../api";
import { ErrorBox, Field, Loading, Select, Title } from "../components/ui";
import { date, money } from "../format";
import { navigate } from "../router";
import type { SearchResult } from "../types";

// Events is the home page: upcoming events from the search API, with text (typos
// forgiven), city and category facets, a date range and suggestions while typing.
export function Events({ query }: { query: URLSearchParams }) {
  const q = query.get("q") ?? "";
  const city = query.get("city") ?? "";
  const category = query.get("category") ?? "";
  const from = query.get("from") ?? "";
  const to = query.get("to") ?? "";
  const [text, setText] = useState(q);
  const [suggestions, setSuggestions] = useState<string[]>([]);
  const [pages, setPages] = useState<SearchResult[]>([]);
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(true);
  const key = query.toString();

  useEffect(() => {
    setText(q);
    setLoading(true);
    setError(undefined);
    search(undefined).then((r) => setPages([r]), setError).finally(() => setLoading(false));
  }, [key]);

  function search(cursor: string | undefined) {
    return get<SearchResult>("/events/search" + qs({
      q, city, category, cursor,
      from: from ? new Date(from).toISOString() : undefined,
      to: to ? new Date(to + "T23:59:59").toISOString() : undefined,
      sort: q ? undefined : "starts_at",
    }), { auth: false });
  }

  useEffect(() => {
    const t = text.trim();
    if (t.length < 2 || t === q) {
      setSuggestions([]);
      return;
    }
    const h = setTimeout(() => {
      get<{ suggestions: { name: string }[] }>("/events/suggest" + qs({ q: t, limit: 5 }), { auth: false })
        .then((r) => setSuggestions([...new Set(r.suggestions.map((i) => i.name))]), () => setSuggestions([]));
    }, 200);
    return () => clearTimeout(h);
  }, [text]);

  function go(next: Record<string, string>) {
    const p = new URLSearchParams({ q, city, category, from, to, ...next });
    for (const [k, v] of [...p.entries()]) if (!v) p.delete(k);
    const s = p.toString();
    navigate("/" + (s ? "?" + s : ""));
  }

  const first = pages[0];
  const items = pages.flatMap((p) => p.items);
  const next = pages[pages.length - 1]?.next_cursor;
  return (
    <>
      <Title>Upcoming events</Title>
      <form role="search" class="search" onSubmit={(e) => { e.preventDefault(); go({ q: text.trim() }); }}>
        <Field label="Search events" type="search" name="q" value={text} list="suggestions" autoComplete="off"
          placeholder="Artist, venue, city…" onInput={(e) => setText((e.target as HTMLInputElement).value)} />
        <datalist id="suggestions">{suggestions.map((s) => <option key={s} value={s} />)}</datalist>
        <Field label="From" type="date" name="from" value={from} onChange={(e) => go({ from: (e.target as HTMLInputElement).value })} />
        <Field label="To" type="date" name="to" value={to} onChange={(e) => go({ to: (e.target as HTMLInputElement).value })} />
        <button type="submit">Search</button>
      </form>
      {first && (first.facets.cities.length > 0 || first.facets.categories.length > 0) && (
        <div class="facets">
          <Select label="City" value={city} onChange={(e) => go({ city: (e.target as HTMLSelectElement).value })}>
            <option value="">Any city</option>
            {first.facets.cities.map((b) => <option key={b.value} value={b.value}>{b.value} ({b.count})</option>)}
            {city && !first.facets.cities.some((b) => b.value === city) && <option value={city}>{city}</option>}
          </Select>
          <Select label="Category" value={category} onChange={(e) => go({ category: (e.target as HTMLSelectElement).value })}>
            <option value="">Any category</option>
            {first.facets.categories.map((b) => <option key={b.value} value={b.value}>{b.value} ({b.count})</option>)}
            {category && !first.facets.categories.some((b) => b.value === category) && <option value={category}>{category}</option>}
          </Select>
        </div>
      )}
      <ErrorBox error={error} />
      {loading ? <Loading /> : (
        <>
          <p class="muted" aria-live="polite">{first ? `${first.total} event${first.total === 1 ? "" : "s"}` : ""}{q && ` for “${q}”`}</p>
          <ul class="cards">
            {items.map((ev) => (
              <li key={ev.event_id} class="card">
                <h2><a href={"/e/" + ev.event_id}>{ev.name}</a></h2>
                <p>{date(ev.starts_at)} · {ev.venue.name}, {ev.venue.city}</p>
                <p>{ev.sold_out ? <strong class="soldout">Sold out</strong> : <>From {money(ev.price)}</>} · <span class="muted">{ev.category}</span></p>
              </li>
            ))}
          </ul>
          {next && (
            <button type="button" onClick={() => search(next).then((r) => setPages([...pages, r]), setError)}>More events</button>
          )}
        </>
      )}
    </>
  );
}
