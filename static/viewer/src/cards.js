// The panel a hotspot opens: a shop's card, an info text or a link. Built with DOM calls and
// textContent only: hotspot and shop texts never become HTML here.
import { countEvent } from "./stats.js";

function el(tag, className, text) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined && text !== null) element.textContent = String(text);
  return element;
}

/** A link that leaves the site: new tab, no access to this page. */
function outLink(href, label, className = "button") {
  const link = el("a", className, label);
  link.href = href;
  link.target = "_blank";
  link.rel = "noopener nofollow";
  return link;
}

/** Opens a URL hotspot's address in a new tab that cannot reach this page. */
export function openLink(value) {
  const href = webUrl(value);
  if (href) window.open(href, "_blank", "noopener,noreferrer");
}

/** Only web addresses are followed; anything else (javascript:, data:) is dropped. */
function webUrl(value) {
  try {
    const url = new URL(value, location.href);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}

/** Counts `event` about the shop when `link` is followed (click, keyboard or middle button). */
function counted(link, event, shop) {
  const count = (click) => {
    if (click.type === "click" || click.button === 1) countEvent(event, shop.id);
  };
  link.addEventListener("click", count);
  link.addEventListener("auxclick", count);
  return link;
}

function shopButtons(shop, t) {
  const actions = el("p", "walk-card-actions");
  const website = shop.website && webUrl(shop.website);
  const onlineShop = shop.online_shop_url && webUrl(shop.online_shop_url);
  if (website) actions.append(counted(outLink(website, t("website")), "website_click", shop));
  if (onlineShop) {
    actions.append(counted(outLink(onlineShop, t("online_shop"), "button primary"),
      "online_shop_click", shop));
  }
  if (shop.phone) {
    const call = el("a", "button", t("phone"));
    call.href = `tel:${shop.phone.replace(/[^\d+]/g, "")}`;
    actions.append(call);
  }
  if (shop.whatsapp) {
    const digits = shop.whatsapp.replace(/\D/g, "");
    if (digits) actions.append(outLink(`https://wa.me/${digits}`, t("whatsapp")));
  }
  const profile = shop.profile_url && webUrl(shop.profile_url);
  if (profile) {
    const link = el("a", "button", t("profile"));
    link.href = profile;
    // inside another site's iframe our pages may not be framed: open the profile outside it
    if (window.top !== window.self) {
      link.target = "_blank";
      link.rel = "noopener";
    }
    actions.append(link);
  }
  return actions;
}

function shopCard(shop, t) {
  const parts = [];
  const header = el("div", "walk-card-header");
  const logo = shop.logo && (shop.logo.thumb || shop.logo.large);
  if (logo && webUrl(logo.url)) {
    const image = el("img", "walk-card-logo");
    image.src = logo.url;
    image.alt = shop.logo.alt || "";
    if (logo.width) image.width = logo.width;
    if (logo.height) image.height = logo.height;
    header.append(image);
  }
  const titles = el("div");
  titles.append(el("h2", "walk-card-title", shop.name));
  if (shop.category && shop.category.label) {
    titles.append(el("p", "walk-card-category", shop.category.label));
  }
  header.append(titles);
  parts.push(header);
  if (shop.opening) {
    const state = !shop.opening.known ? "unknown" : shop.opening.is_open ? "open" : "closed";
    const opening = el("p", `walk-card-opening walk-card-${state}`, shop.opening.summary);
    opening.dataset.state = state;
    parts.push(opening);
  }
  if (shop.short_description) parts.push(el("p", "walk-card-text", shop.short_description));
  parts.push(shopButtons(shop, t));
  return parts;
}

/**
 * An info hotspot's picture, fitted to the card: the browser picks the thumbnail or the large
 * version for the card's width (`sizes` follows walk.css: 20rem, or the screen less the sheet's
 * margins on narrow screens). Width and height reserve its space before it has loaded.
 */
function infoImage(image) {
  const src = image && webUrl(image.url);
  if (!src) return null;
  const picture = el("img", "walk-card-image");
  picture.alt = image.alt || "";
  if (image.width) picture.width = image.width;
  if (image.height) picture.height = image.height;
  const thumb = image.thumb && webUrl(image.thumb.url);
  if (thumb && image.thumb.width && image.width) {
    picture.srcset = `${thumb} ${image.thumb.width}w, ${src} ${image.width}w`;
    picture.sizes = "(max-width: 40rem) calc(100vw - 3rem), 20rem";
  }
  picture.src = src;
  picture.decoding = "async";
  return picture;
}

function infoCard(hotspot, t) {
  const parts = [];
  if (hotspot.label) parts.push(el("h2", "walk-card-title", hotspot.label));
  const picture = infoImage(hotspot.image);
  if (picture) parts.push(picture);
  if (hotspot.text) parts.push(el("p", "walk-card-text", hotspot.text));
  const href = hotspot.url && webUrl(hotspot.url);
  if (href) {
    const actions = el("p", "walk-card-actions");
    actions.append(outLink(href, t("open_link")));
    parts.push(actions);
  }
  return parts;
}

/**
 * The card panel in `panel`: `show(hotspot)` fills and opens it, `hide()` closes it; Escape
 * and the close button close it too.
 */
export function cardPanel(panel, t) {
  // where focus was when the card opened (a hotspot's button): it goes back there on close
  let opener = null;
  const hide = () => {
    const hadFocus = panel.contains(document.activeElement);
    panel.hidden = true;
    panel.replaceChildren();
    if (hadFocus && opener && opener.isConnected) opener.focus({ preventScroll: true });
    opener = null;
  };
  const show = (hotspot) => {
    if (!panel.contains(document.activeElement)) opener = document.activeElement;
    const close = el("button", "walk-card-close", "×");
    close.type = "button";
    close.setAttribute("aria-label", t("close"));
    close.addEventListener("click", hide);
    const body = hotspot.shop ? shopCard(hotspot.shop, t) : infoCard(hotspot, t);
    panel.replaceChildren(close, ...body);
    panel.dataset.hotspot = String(hotspot.id);
    panel.hidden = false;
    close.focus({ preventScroll: true });
    // opened from a button under the view, the card may lie above the scrolled page
    panel.scrollIntoView({ block: "nearest" });
  };
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") hide();
  });
  return { show, hide };
}
