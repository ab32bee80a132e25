/** The base of the three sidebar panels: the login until the session is logged in, then the panel's own view. */
import { LabIcon } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';

import { h, replaceChildren, errorMessage } from './dom';
import { renderLogin } from './login';
import { SessionModel } from './session';

export abstract class OpenvrePanel extends Widget {
  protected readonly body: HTMLElement;
  private readonly header: HTMLElement;
  private readonly loginHost: HTMLElement;
  private built = false;
  private wasLoggedIn = false;

  constructor(
    protected readonly session: SessionModel,
    id: string,
    label: string,
    icon: LabIcon,
    private readonly purpose: string
  ) {
    super();
    this.id = id;
    this.title.icon = icon;
    this.title.caption = `openvre ${label}`;
    this.title.label = label;
    this.addClass('ovre-panel');
    this.header = h('div', { class: 'ovre-panel-header' });
    this.loginHost = h('div', { class: 'ovre-login-host' });
    this.body = h('div', { class: 'ovre-panel-body' });
    this.node.append(h('div', { class: 'ovre-panel-title' }, h('h2', {}, label), this.header), this.loginHost, this.body);
    session.changed.connect(this.render, this);
    this.render();
  }

  /** Build the panel's view once, after the first login. */
  protected abstract build(host: HTMLElement): void;

  /** Called on every transition to logged in (first login, or login after an expired session). */
  protected abstract loggedIn(): void;

  private render(): void {
    const session = this.session;
    if (session.problem && !session.info) {
      replaceChildren(this.loginHost, h('div', { class: 'ovre-error', role: 'alert' }, session.problem));
      this.loginHost.hidden = false;
      this.body.hidden = true;
      return;
    }
    if (!session.info) {
      replaceChildren(this.loginHost, h('div', { class: 'ovre-muted' }, 'Connecting to openvre…'));
      this.loginHost.hidden = false;
      this.body.hidden = true;
      return;
    }
    if (!session.loggedIn) {
      this.wasLoggedIn = false;
      replaceChildren(this.header);
      replaceChildren(this.loginHost, renderLogin(session, this.purpose));
      this.loginHost.hidden = false;
      this.body.hidden = true;
      return;
    }
    const logout = h('button', { class: 'ovre-link', title: 'Log out of openvre', 'data-testid': 'logout' }, 'log out');
    logout.addEventListener('click', () => {
      void session.logOut().catch(reason => console.warn('openvre: log out failed', errorMessage(reason)));
    });
    replaceChildren(this.header, h('span', { class: 'ovre-account' }, session.info.account ?? ''), ' · ', logout);
    this.loginHost.hidden = true;
    this.body.hidden = false;
    if (!this.built) {
      this.built = true;
      this.build(this.body);
    }
    if (!this.wasLoggedIn) {
      this.wasLoggedIn = true;
      this.loggedIn();
    }
  }
}
