/** One openvre session shared by the three panels: one login for data, workflows and publishing. */
import { ISignal, Signal } from '@lumino/signaling';

import * as api from './api';

export class SessionModel {
  /** null until the server has answered once. */
  info: api.SessionInfo | null = null;
  /** Why the session could not be read (server extension missing, network), shown instead of the login. */
  problem: string | null = null;
  private _changed = new Signal<this, void>(this);

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get loggedIn(): boolean {
    return this.info?.logged_in === true;
  }

  async refresh(): Promise<void> {
    try {
      this.info = await api.getSession();
      this.problem = null;
    } catch (reason) {
      this.problem = reason instanceof Error ? reason.message : String(reason);
    }
    this._changed.emit();
  }

  /** Throws the server's message when the login is refused; nothing is kept then. */
  async logIn(username: string, password: string): Promise<void> {
    this.info = await api.logIn(username, password);
    this.problem = null;
    this._changed.emit();
  }

  async logOut(): Promise<void> {
    this.info = await api.logOut();
    this._changed.emit();
  }

  /** The server said 401 on some call: the session ended (e.g. the server restarted). */
  expire(): void {
    if (this.info) {
      this.info = { ...this.info, logged_in: false, account: null };
    }
    this._changed.emit();
  }
}
