// The diary with no signal (portal pages only). Registers the service worker; when the phone is
// offline, or the post does not get through, the day form's Save keeps the entry on the phone
// (IndexedDB) with a random key and the time it was made; the queue is sent to the server when the phone is back online and on every
// page load, each entry once (the server refuses a key it already has). An entry the server
// refuses (a day after today: the phone's clock is wrong) stays here to be changed or discarded.
(function () {
  const box = document.querySelector("[data-offline-queue]");
  if (!box || !("indexedDB" in window) || !window.isSecureContext) return;
  const user = box.dataset.user;
  const list = box.querySelector("[data-queue-list]");
  const count = box.querySelector("[data-queue-count]");
  const notes = box.querySelector("[data-queue-notes]");

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(box.dataset.worker, { scope: box.dataset.scope });
  }

  function device() {
    let id = localStorage.getItem("diary-device");
    if (!id) {
      id = crypto.randomUUID();
      localStorage.setItem("diary-device", id);
    }
    return id;
  }

  function store(mode, work) {
    return new Promise((resolve, reject) => {
      const opening = indexedDB.open("diary-offline", 1);
      opening.onupgradeneeded = () => opening.result.createObjectStore("entries", { keyPath: "key" });
      opening.onerror = () => reject(opening.error);
      opening.onsuccess = () => {
        const db = opening.result;
        const transaction = db.transaction("entries", mode);
        const request = work(transaction.objectStore("entries"));
        transaction.oncomplete = () => {
          db.close();
          resolve(request && request.result);
        };
        transaction.onerror = () => reject(transaction.error);
      };
    });
  }

  async function entries() {
    const all = await store("readonly", (entries) => entries.getAll());
    return all.filter((entry) => entry.user === user).sort((a, b) => (a.made_at < b.made_at ? -1 : 1));
  }
  const save = (entry) => store("readwrite", (entries) => entries.put(entry));
  const discard = (key) => store("readwrite", (entries) => entries.delete(key));

  // The page's words (diaries/partials/offline_queue.html's data-text-* attributes, in the
  // patient's language), with {name} filled in.
  function text(name, values = {}) {
    return box.dataset[name].replace(/\{(\w+)\}/g, (match, key) => values[key]);
  }

  function shown(day) {
    return new Date(`${day}T12:00:00`).toLocaleDateString(document.documentElement.lang || "en-GB", {
      weekday: "long",
      day: "numeric",
      month: "long",
    });
  }

  function note(text) {
    const item = document.createElement("p");
    item.className = "mb-1";
    item.textContent = text;
    notes.append(item);
    box.hidden = false;
  }

  function counted(n, name) {
    return text(n === 1 ? `${name}One` : `${name}Other`, { n });
  }

  function button(text, style, action) {
    const element = document.createElement("button");
    element.type = "button";
    element.className = `btn btn-sm ${style}`;
    element.textContent = text;
    element.addEventListener("click", action);
    return element;
  }

  function refusedItem(item, entry) {
    const message = document.createElement("p");
    message.className = "mb-1";
    message.textContent = entry.message;
    const label = document.createElement("label");
    label.className = "form-label small mb-0 me-2";
    label.textContent = text("textDay");
    const date = document.createElement("input");
    date.type = "date";
    date.className = "form-control form-control-sm d-inline-block w-auto me-2";
    date.value = entry.day;
    date.id = `queue-day-${entry.key}`;
    label.htmlFor = date.id;
    const again = button(text("textSendAgain"), "btn-primary me-2", async () => {
      await save({ ...entry, day: date.value, fields: { ...entry.fields, day: date.value }, state: "waiting", message: "" });
      await render();
      send();
    });
    const drop = button(text("textDiscard"), "btn-outline-danger", async () => {
      await discard(entry.key);
      await render();
    });
    const actions = document.createElement("div");
    actions.className = "d-flex flex-wrap align-items-center gap-1 tap-targets";
    actions.append(label, date, again, drop);
    item.append(message, actions);
  }

  async function render() {
    const mine = await entries();
    const waiting = mine.filter((entry) => entry.state === "waiting").length;
    const refused = mine.length - waiting;
    const parts = [];
    if (waiting) parts.push(counted(waiting, "textWaiting"));
    if (refused) parts.push(counted(refused, "textRefused"));
    count.textContent = parts.join("; ");
    list.replaceChildren();
    for (const entry of mine) {
      const item = document.createElement("li");
      item.className = "mb-2";
      const title = document.createElement("strong");
      title.textContent = shown(entry.day);
      item.append(title, entry.state === "waiting" ? ` — ${text("textEntryWaiting")}` : "");
      if (entry.state !== "waiting") refusedItem(item, entry);
      list.append(item);
    }
    box.hidden = !mine.length && !notes.childElementCount;
  }

  let sending = false;
  async function send() {
    if (sending || !navigator.onLine) return;
    sending = true;
    try {
      const queue = await entries();
      if (queue.some((entry) => entry.state === "waiting")) notes.replaceChildren();
      for (const entry of queue) {
        if (entry.state !== "waiting") continue;
        let response;
        try {
          response = await fetch(box.dataset.sync, {
            method: "POST",
            credentials: "same-origin",
            redirect: "manual", // logged out: try again after logging in
            headers: { "Content-Type": "application/json", "X-CSRFToken": box.dataset.csrf },
            body: JSON.stringify({
              key: entry.key,
              device: entry.device,
              day: entry.day,
              made_at: entry.made_at,
              seen: entry.seen || null,
              fields: entry.fields,
            }),
          });
        } catch (error) {
          break; // still no signal: the next page load or the online event tries again
        }
        if (response.status === 400) {
          const answer = await response.json();
          await save({ ...entry, state: "refused", message: answer.message });
        } else if (response.ok) {
          const answer = await response.json();
          await discard(entry.key);
          note(answer.message);
        } else {
          break;
        }
      }
    } finally {
      sending = false;
      await render();
    }
  }

  // Keep an entry for `day` on the phone; a later entry for the same day replaces it here.
  async function keep(day, fields, seen) {
    try {
      const earlier = (await entries()).find((entry) => entry.day === day);
      if (earlier) await discard(earlier.key);
      await save({
        key: crypto.randomUUID(),
        user,
        device: device(),
        day,
        made_at: new Date().toISOString(),
        seen: earlier ? earlier.seen : seen || null,
        fields: { ...fields, day },
        state: "waiting",
        message: "",
      });
      note(text("textKept", { day: shown(day) }));
    } catch (error) {
      note(text("textNotKept", { day: shown(day) }));
    }
    await render();
    box.scrollIntoView();
    box.focus();
  }

  // The home page's one-tap "No headache" buttons, with no signal.
  document.querySelectorAll("form[data-offline-day]").forEach((tap) => {
    tap.addEventListener("submit", async (event) => {
      if (navigator.onLine) return;
      event.preventDefault();
      await keep(tap.dataset.offlineDay, { headache: "False", note: "" }, null);
    });
  });

  // The day form: with no signal, or when the post does not get through, Save keeps the entry.
  const form = document.querySelector("form.diary-day-form");
  if (form) {
    const dayInput = form.querySelector("input[name='day']");
    const asked = new URLSearchParams(location.search);
    if (!navigator.onLine && dayInput && asked.get("date")) {
      dayInput.value = asked.get("date"); // the cached form was another day's
      const headache = form.querySelector("input[name='headache'][value='True']");
      if (asked.get("headache") === "1" && headache) headache.checked = true;
    }

    async function keepForm() {
      const fields = {};
      for (const [name, value] of new FormData(form)) {
        if (name !== "csrfmiddlewaretoken") fields[name] = String(value);
      }
      const day = fields.day || form.dataset.day;
      if (day) await keep(day, fields, form.dataset.seen);
      else note(text("textChooseDay"));
    }

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!navigator.onLine) {
        await keepForm();
        return;
      }
      let response;
      try {
        response = await fetch(form.action || location.href, {
          method: "POST",
          body: new FormData(form),
          credentials: "same-origin",
          redirect: "manual",
        });
      } catch (error) {
        await keepForm(); // the phone thinks it is online, but nothing gets through
        return;
      }
      if (response.type === "opaqueredirect") {
        // Saved: the calendar of its month, as the server's redirect (its message waits there).
        const day = form.querySelector("input[name='day']")?.value || form.dataset.day;
        location.assign(`${form.dataset.savedUrl}?month=${day.slice(0, 7)}`);
      } else {
        form.submit(); // not saved (the form's errors): post it again to show them
      }
    });
  }

  // Logging out: forget the cached pages (they show the diary), keep the queue for this account.
  document.querySelectorAll("form[action$='/logout/']").forEach((logout) => {
    logout.addEventListener("submit", async (event) => {
      if (!("caches" in window)) return;
      event.preventDefault();
      for (const name of await caches.keys()) {
        if (name.startsWith("portal-")) await caches.delete(name);
      }
      logout.submit();
    });
  });

  window.addEventListener("online", send);
  render().then(send);
})();
