/*
 * Openrain engage.js: the Janrain Social Login widget for pages that embed it unchanged.
 * Plain, dependency-free browser script. The server wraps this function and calls it with the
 * application's configuration (see engage-script.ts); the page configures it through
 * `janrain.settings` and listens through `janrain.events` as it did with Janrain.
 */
function openrainEngage(config) {
  'use strict';

  var win = window;
  var doc = document;
  var janrain = (win.janrain = typeof win.janrain === 'object' && win.janrain ? win.janrain : {});
  if (typeof janrain.settings !== 'object' || !janrain.settings) janrain.settings = {};
  if (janrain.engage && janrain.engage.openrain) return;

  var VERSION = 'openrain-1';
  var POPUP_NAME = 'openrain_signin';
  var STORAGE_KEY = 'openrain.engage.lastProvider.' + config.appId;
  var base = config.bases[0];

  function settings() {
    return janrain.settings;
  }

  function isFalse(value) {
    return value === false || value === 'false';
  }

  function isTrue(value) {
    return value === true || value === 'true';
  }

  /* ---- janrain.events: Janrain's handler registry ---------------------------------------- */

  var EVENT_NAMES = [
    'onProviderLoginStart',
    'onProviderLoginToken',
    'onProviderLoginSuccess',
    'onProviderLoginError',
    'onProviderLoginCancel',
    'onProviderLoginComplete',
    'onReturnExperienceFound',
    'onModalWidgetReady',
    'onModalOpen',
    'onModalClose',
    'onEmbedWidgetReady',
  ];

  function makeEvent(name) {
    var handlers = [];
    return {
      eventName: name,
      handlers: handlers,
      // The handle is the function itself, so removeHandler takes either.
      addHandler: function (fn) {
        if (typeof fn === 'function') handlers.push(fn);
        return fn;
      },
      removeHandler: function (fn) {
        for (var i = handlers.length - 1; i >= 0; i--) if (handlers[i] === fn) handlers.splice(i, 1);
      },
      removeAllHandlers: function () {
        handlers.length = 0;
      },
    };
  }

  if (typeof janrain.events !== 'object' || !janrain.events) janrain.events = {};
  EVENT_NAMES.forEach(function (name) {
    var existing = janrain.events[name];
    if (!existing || typeof existing.addHandler !== 'function') janrain.events[name] = makeEvent(name);
  });

  function fire(name, payload) {
    var event = janrain.events[name];
    var handlers = event && event.handlers ? event.handlers.slice() : [];
    handlers.forEach(function (fn) {
      try {
        fn(payload);
      } catch (err) {
        // One failing handler must not stop the others or the sign-in.
        setTimeout(function () {
          throw err;
        });
      }
    });
  }

  /* ---- settings ---------------------------------------------------------------------------- */

  function appBase() {
    var given = settings().appUrl;
    if (typeof given === 'string' && given) {
      try {
        var origin = new URL(given, win.location.href).origin;
        // Pages migrated from Janrain still name rpxnow.com here: only our own hosts count.
        for (var i = 0; i < config.bases.length; i++) if (new URL(config.bases[i]).origin === origin) return config.bases[i];
      } catch (e) {
        /* not a URL: ignored */
      }
    }
    return base;
  }

  var tokenParams = {};

  function tokenUrl() {
    var given = settings().tokenUrl || settings().tokenURL;
    if (typeof given !== 'string' || !given) return undefined;
    try {
      var url = new URL(given, win.location.href);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
      Object.keys(tokenParams).forEach(function (key) {
        url.searchParams.set(key, tokenParams[key]);
      });
      return url.toString();
    } catch (e) {
      return undefined;
    }
  }

  function tokenAction() {
    return String(settings().tokenAction || 'url').toLowerCase() === 'event' ? 'event' : 'url';
  }

  function usePopup() {
    return !isFalse(settings().popup);
  }

  function canonical(name) {
    var wanted = String(name || '').toLowerCase();
    for (var i = 0; i < config.providers.length; i++) {
      var p = config.providers[i];
      if (p.id === wanted || p.aliases.indexOf(wanted) >= 0) return p;
    }
    return undefined;
  }

  /** The providers to show: the application's list, narrowed and ordered by `settings.providers` when given. */
  function shownProviders() {
    var chosen = settings().providers;
    if (!Array.isArray(chosen) || !chosen.length) return config.providers.slice();
    var out = [];
    chosen.forEach(function (name) {
      var p = canonical(name);
      if (p && out.indexOf(p) < 0) out.push(p);
    });
    return out;
  }

  function lastProvider() {
    if (isTrue(settings().noReturnExperience) || noReturnExperience) return undefined;
    try {
      var stored = win.localStorage.getItem(STORAGE_KEY);
      return stored ? canonical(stored) : undefined;
    } catch (e) {
      return undefined;
    }
  }

  function rememberProvider(provider) {
    try {
      win.localStorage.setItem(STORAGE_KEY, provider.id);
    } catch (e) {
      /* storage disabled: no return experience */
    }
  }

  var noReturnExperience = false;

  /* ---- the sign-in flow -------------------------------------------------------------------- */

  function query(params) {
    return Object.keys(params)
      .map(function (k) {
        return encodeURIComponent(k) + '=' + encodeURIComponent(params[k]);
      })
      .join('&');
  }

  function startUrl(appUrl, provider, params) {
    return appUrl + '/' + encodeURIComponent(provider.id) + '/start?' + query(params);
  }

  var flow = null;

  function endFlow() {
    if (!flow) return;
    win.removeEventListener('message', flow.onMessage);
    clearInterval(flow.timer);
    flow = null;
    views.forEach(function (view) {
      view.busy(null);
    });
  }

  function loginError(code, msg, origin, provider) {
    fire('onProviderLoginError', { err: { code: code, msg: msg }, code: code, msg: msg, origin: origin, stat: 'fail', provider: provider && provider.id });
    views.forEach(function (view) {
      view.status(msg, true);
    });
  }

  function deliver(url, token) {
    if (config.postToTokenUrl) {
      var form = doc.createElement('form');
      form.method = 'post';
      form.action = url;
      form.style.display = 'none';
      var input = doc.createElement('input');
      input.type = 'hidden';
      input.name = 'token';
      input.value = token;
      form.appendChild(input);
      doc.body.appendChild(form);
      form.submit();
    } else {
      var target = new URL(url);
      target.searchParams.set('token', token);
      win.location.assign(target.toString());
    }
  }

  function popupFeatures() {
    var width = 520;
    var height = 680;
    var left = Math.max(0, (win.screenX || 0) + ((win.outerWidth || width) - width) / 2);
    var top = Math.max(0, (win.screenY || 0) + ((win.outerHeight || height) - height) / 3);
    return 'popup=yes,width=' + width + ',height=' + height + ',left=' + Math.round(left) + ',top=' + Math.round(top);
  }

  function signIn(name) {
    var provider = canonical(name);
    if (!provider) {
      loginError('invalid_provider', 'This site does not offer sign-in with ' + name + '.', 'widget');
      return;
    }
    var target = tokenUrl();
    if (!target) {
      loginError('invalid_token_url', 'Sign-in is not set up on this page (janrain.settings.tokenUrl is missing or not an http(s) URL).', 'widget', provider);
      if (win.console) win.console.error('engage.js: janrain.settings.tokenUrl must be set to an http(s) URL');
      return;
    }
    endFlow();
    var appUrl = appBase();
    fire('onProviderLoginStart', { provider: provider.id });
    if (usePopup()) {
      var popup = null;
      try {
        popup = win.open(startUrl(appUrl, provider, { token_url: target, delivery: 'message', origin: win.location.origin }), POPUP_NAME, popupFeatures());
      } catch (e) {
        popup = null;
      }
      if (popup) {
        watch(popup, provider, target, new URL(appUrl).origin);
        return;
      }
    }
    // No popup (blocked, or popup: false): the whole page signs in and ends at token_url.
    rememberProvider(provider);
    win.location.assign(startUrl(appUrl, provider, { token_url: target }));
  }

  function watch(popup, provider, target, expectedOrigin) {
    var current = {
      popup: popup,
      provider: provider,
      onMessage: function (event) {
        if (event.origin !== expectedOrigin || event.source !== popup) return;
        var data = event.data;
        if (!data || data.openrain !== 'signin') return;
        endFlow();
        if (data.stat === 'ok' && typeof data.token === 'string') {
          rememberProvider(provider);
          views.forEach(function (view) {
            view.status('', false);
          });
          fire('onProviderLoginSuccess', { provider: provider.id });
          if (tokenAction() === 'event') {
            fire('onProviderLoginToken', { token: data.token, provider: provider.id });
            fire('onProviderLoginComplete', { provider: provider.id });
          } else {
            fire('onProviderLoginComplete', { provider: provider.id });
            deliver(target, data.token);
          }
        } else {
          loginError(String(data.error || 'server_error'), String(data.error_description || 'Sign-in did not complete.'), 'provider', provider);
          fire('onProviderLoginComplete', { provider: provider.id });
        }
      },
      timer: setInterval(function () {
        if (!popup.closed || flow !== current) return;
        // The result is posted just before the popup closes: give it a moment to arrive.
        setTimeout(function () {
          if (flow !== current) return;
          endFlow();
          fire('onProviderLoginCancel', { provider: provider.id });
          fire('onProviderLoginComplete', { provider: provider.id });
        }, 400);
        clearInterval(current.timer);
      }, 300),
    };
    flow = current;
    win.addEventListener('message', current.onMessage);
    views.forEach(function (view) {
      view.busy(provider);
    });
    try {
      popup.focus();
    } catch (e) {
      /* some browsers refuse; the popup is open anyway */
    }
  }

  /* ---- rendering --------------------------------------------------------------------------- */

  var views = [];
  var sheet = null;

  function styleInto(root) {
    if ('adoptedStyleSheets' in root && typeof CSSStyleSheet === 'function') {
      try {
        if (!sheet) {
          sheet = new CSSStyleSheet();
          sheet.replaceSync(config.css);
        }
        root.adoptedStyleSheets = [sheet];
        return;
      } catch (e) {
        /* fall back to a style element */
      }
    }
    var style = doc.createElement('style');
    style.textContent = config.css;
    root.appendChild(style);
  }

  function el(tag, className, text) {
    var node = doc.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  var idCounter = 0;

  /** The provider list with its heading and status line; one per embed or modal. */
  function buildView(root, inModal) {
    idCounter += 1;
    var headingId = 'or-action-' + idCounter;
    var container = el('div', 'or-widget');
    var actionText = settings().actionText;
    var given = typeof actionText === 'string';
    var heading = el('p', 'or-action', given ? actionText : 'Sign in with');
    heading.id = headingId;
    // Under the dialog's own "Sign in" title the default text only repeats it; screen readers keep it as the list's name.
    if (!heading.textContent.trim() || (inModal && !given)) heading.className += ' or-sr';
    container.appendChild(heading);

    var list = el('ul', 'or-providers');
    list.setAttribute('aria-labelledby', headingId);
    var providers = shownProviders();
    var returning = lastProvider();
    if (returning && providers.indexOf(returning) > 0) {
      providers.splice(providers.indexOf(returning), 1);
      providers.unshift(returning);
    }
    var buttons = [];
    providers.forEach(function (provider) {
      var item = el('li');
      var button = el('button', 'or-provider');
      button.type = 'button';
      button.setAttribute('data-provider', provider.id);
      var mark = el('span', 'or-mark ' + provider.markClass, provider.mark.text);
      mark.setAttribute('aria-hidden', 'true');
      var label = el('span', 'or-label');
      label.appendChild(el('span', 'or-sr', 'Sign in with '));
      label.appendChild(doc.createTextNode(provider.name));
      button.appendChild(mark);
      button.appendChild(label);
      if (provider === returning) button.appendChild(el('span', 'or-badge', 'Last used'));
      button.addEventListener('click', function () {
        signIn(provider.id);
      });
      item.appendChild(button);
      list.appendChild(item);
      buttons.push(button);
    });
    if (providers.length) container.appendChild(list);
    else container.appendChild(el('p', 'or-empty', 'This site has not enabled any way to sign in yet.'));

    var statusLine = el('p', 'or-status');
    statusLine.setAttribute('role', 'status');
    statusLine.setAttribute('aria-live', 'polite');
    container.appendChild(statusLine);
    root.appendChild(container);

    var view = {
      root: root,
      container: container,
      buttons: buttons,
      status: function (text, isError) {
        statusLine.textContent = text;
        statusLine.className = 'or-status' + (isError ? ' or-error' : '');
      },
      busy: function (provider) {
        buttons.forEach(function (button) {
          if (provider && button.getAttribute('data-provider') === provider.id) button.setAttribute('aria-busy', 'true');
          else button.removeAttribute('aria-busy');
        });
        if (provider) view.status('Continue signing in with ' + provider.name + ' in the pop-up window.', false);
        else if (!/or-error/.test(statusLine.className)) view.status('', false);
      },
    };
    views.push(view);
    return view;
  }

  function applyLookSettings(host) {
    var s = settings();
    if (typeof s.fontFamily === 'string' && s.fontFamily) host.style.setProperty('--or-font', s.fontFamily);
    if (typeof s.fontColor === 'string' && s.fontColor) host.style.setProperty('--or-fg', s.fontColor);
    if (typeof s.backgroundColor === 'string' && s.backgroundColor) host.style.setProperty('--or-card', s.backgroundColor);
    if (typeof s.borderColor === 'string' && s.borderColor) host.style.setProperty('--or-line', s.borderColor);
    var width = parseInt(s.width, 10);
    if (width > 0) host.style.maxWidth = width + 'px';
  }

  function dropView(view) {
    var i = views.indexOf(view);
    if (i >= 0) views.splice(i, 1);
  }

  var embedView = null;

  function renderEmbed() {
    var target = doc.getElementById('janrainEngageEmbed');
    if (!target) return false;
    if (embedView) dropView(embedView);
    while (target.firstChild) target.removeChild(target.firstChild);
    var host = el('div', 'openrain-engage');
    host.style.display = 'block';
    applyLookSettings(host);
    target.appendChild(host);
    var root = host.attachShadow({ mode: 'open' });
    styleInto(root);
    embedView = buildView(root, false);
    fire('onEmbedWidgetReady', {});
    return true;
  }

  var modal = null;

  function buildModal() {
    var host = el('div', 'openrain-engage-modal');
    host.id = 'janrainModal';
    applyLookSettings(host);
    doc.body.appendChild(host);
    var root = host.attachShadow({ mode: 'open' });
    styleInto(root);
    var dialog = el('dialog', 'or-dialog');
    dialog.setAttribute('aria-labelledby', 'or-modal-title');
    var inner = el('div', 'or-dialog-inner');
    var head = el('div', 'or-dialog-head');
    var title = el('h2', 'or-dialog-title', typeof settings().modalTitle === 'string' && settings().modalTitle ? settings().modalTitle : 'Sign in');
    title.id = 'or-modal-title';
    var close = el('button', 'or-close');
    close.type = 'button';
    close.setAttribute('aria-label', 'Close');
    close.appendChild(doc.createTextNode('\u00d7'));
    head.appendChild(title);
    head.appendChild(close);
    inner.appendChild(head);
    dialog.appendChild(inner);
    root.appendChild(dialog);
    var view = buildView(inner, true);
    if (view.buttons[0]) view.buttons[0].autofocus = true;

    var state = { host: host, dialog: dialog, view: view, opener: null, open: false };
    close.addEventListener('click', function () {
      closeModal();
    });
    // A click on the backdrop lands on the dialog itself (its content fills it otherwise).
    dialog.addEventListener('click', function (event) {
      if (event.target === dialog) closeModal();
    });
    dialog.addEventListener('cancel', function (event) {
      event.preventDefault();
      closeModal();
    });
    if (typeof dialog.showModal !== 'function') {
      // No <dialog> support: an overlay that still closes with Escape.
      dialog.className += ' or-dialog-fallback';
      dialog.setAttribute('role', 'dialog');
      dialog.setAttribute('aria-modal', 'true');
      dialog.addEventListener('keydown', function (event) {
        if (event.key === 'Escape') closeModal();
      });
    }
    fire('onModalWidgetReady', {});
    return state;
  }

  function openModal(trigger) {
    if (!modal) modal = buildModal();
    if (modal.open) return;
    modal.opener = trigger || doc.activeElement;
    modal.open = true;
    if (typeof modal.dialog.showModal === 'function') modal.dialog.showModal();
    else {
      modal.dialog.setAttribute('open', '');
      if (modal.view.buttons[0]) modal.view.buttons[0].focus();
    }
    fire('onModalOpen', {});
  }

  function closeModal() {
    if (!modal || !modal.open) return;
    modal.open = false;
    if (typeof modal.dialog.close === 'function' && modal.dialog.open) modal.dialog.close();
    else modal.dialog.removeAttribute('open');
    var back = modal.opener;
    modal.opener = null;
    if (back && typeof back.focus === 'function') back.focus();
    fire('onModalClose', {});
  }

  function linkClass() {
    var given = settings().linkClass;
    return typeof given === 'string' && /^[A-Za-z_-][\w-]*$/.test(given) ? given : 'janrainEngage';
  }

  doc.addEventListener('click', function (event) {
    if (isTrue(settings().custom)) return;
    var node = event.target;
    var wanted = linkClass();
    while (node && node !== doc) {
      if (node.classList && node.classList.contains(wanted)) {
        event.preventDefault();
        openModal(node);
        return;
      }
      node = node.parentNode;
    }
  });

  /* ---- janrain.engage.signin: the page-facing API ----------------------------------------- */

  var flowElements = [];

  janrain.engage = janrain.engage || {};
  janrain.engage.openrain = VERSION;
  janrain.engage.signin = {
    version: VERSION,
    modal: {
      open: function () {
        openModal();
      },
      close: function () {
        closeModal();
      },
    },
    widget: {
      init: function () {
        renderEmbed();
      },
      refresh: function () {
        renderEmbed();
      },
    },
    triggerFlow: function (provider) {
      signIn(provider);
    },
    setProviderFlow: function (element, provider) {
      if (!element || typeof element.addEventListener !== 'function' || flowElements.indexOf(element) >= 0) return;
      flowElements.push(element);
      element.addEventListener('click', function (event) {
        event.preventDefault();
        signIn(provider);
      });
    },
    appendTokenParams: function (params) {
      // Each call replaces the parameters of the one before (Janrain's documented behaviour).
      tokenParams = {};
      if (params && typeof params === 'object') {
        Object.keys(params).forEach(function (key) {
          tokenParams[key] = String(params[key]);
        });
      }
    },
    setNoReturnExperience: function (value) {
      noReturnExperience = value !== false;
    },
    getState: function () {
      return {
        version: VERSION,
        type: String(settings().type || 'embed'),
        tokenAction: tokenAction(),
        popup: usePopup(),
        providers: shownProviders().map(function (p) {
          return p.id;
        }),
        signingIn: flow ? flow.provider.id : null,
        modalOpen: !!(modal && modal.open),
      };
    },
    debugDump: function () {
      if (!win.console) return false;
      win.console.log('engage.js', janrain.engage.signin.getState(), janrain.settings);
      return true;
    },
  };

  /* ---- start ------------------------------------------------------------------------------- */

  function start() {
    if (!isTrue(settings().custom) && String(settings().type || '').toLowerCase() !== 'modal') renderEmbed();
    var onload = typeof win.janrainWidgetOnload === 'function' ? win.janrainWidgetOnload : win.janrainWidgetOnLoad;
    if (typeof onload === 'function') {
      try {
        onload();
      } catch (err) {
        setTimeout(function () {
          throw err;
        });
      }
    }
    var returning = lastProvider();
    if (returning) fire('onReturnExperienceFound', { returnProvider: returning.id, welcomeName: '' });
  }

  // The loader snippet sets janrain.ready at DOMContentLoaded; pages that never set it still work.
  function whenReady() {
    if (doc.readyState === 'loading') doc.addEventListener('DOMContentLoaded', whenReady);
    else if (janrain.ready === false) setTimeout(whenReady, 50);
    else start();
  }
  whenReady();
}
