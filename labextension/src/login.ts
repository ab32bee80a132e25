/** The "log in to openvre" form every panel shows until the session is logged in. */
import { h, errorMessage } from './dom';
import { SessionModel } from './session';

export function renderLogin(session: SessionModel, purpose: string): HTMLElement {
  const username = h('input', {
    class: 'jp-mod-styled ovre-input',
    name: 'username',
    autocomplete: 'username',
    placeholder: 'username',
    'aria-label': 'Username',
    'data-testid': 'login-username'
  });
  const password = h('input', {
    class: 'jp-mod-styled ovre-input',
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    placeholder: 'password',
    'aria-label': 'Password',
    'data-testid': 'login-password'
  });
  const error = h('div', { class: 'ovre-error', role: 'alert', 'data-testid': 'login-error', hidden: true });
  const submit = h('button', { class: 'jp-mod-styled jp-mod-accept ovre-button', type: 'submit' }, 'Log in');
  const form = h(
    'form',
    { class: 'ovre-login', 'data-testid': 'openvre-login' },
    h('h3', {}, 'Log in to openvre'),
    h('p', { class: 'ovre-muted' }, `${purpose} One login serves the data lake, workflows and publishing.`),
    h('label', {}, 'Username', username),
    h('label', {}, 'Password', password),
    error,
    submit
  );
  form.addEventListener('submit', event => {
    event.preventDefault();
    if (!username.value) {
      username.focus();
      return;
    }
    submit.disabled = true;
    error.hidden = true;
    session
      .logIn(username.value, password.value)
      .catch(reason => {
        // Nothing is kept after a failed login: the password field is cleared too.
        password.value = '';
        error.textContent = errorMessage(reason);
        error.hidden = false;
        password.focus();
      })
      .finally(() => {
        submit.disabled = false;
      });
  });
  return form;
}
