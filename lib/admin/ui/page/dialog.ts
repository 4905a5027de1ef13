import { h, uniqueId } from './dom.js';

export interface DialogHandle {
  dialog: HTMLDialogElement;
  /** Where the dialog's content goes. */
  body: HTMLElement;
  close(): void;
}

/**
 * Opens a modal `<dialog>` titled `title`: the rest of the page is inert, Escape closes it,
 * focus moves to `initialFocus` (else the first field or button) and, on close, back to the
 * element that had it. The dialog leaves the DOM when it closes, with whatever it showed.
 */
export function openDialog(
  title: string,
  build: (handle: DialogHandle) => { initialFocus?: HTMLElement },
  onClose?: () => void,
): DialogHandle {
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  const titleId = uniqueId('dialog-title');
  const body = h('div', { class: 'dialog__body' });
  const dialog = h(
    'dialog',
    { class: 'dialog', 'aria-labelledby': titleId },
    h('h2', { id: titleId, class: 'dialog__title' }, title),
    body,
  );
  const handle: DialogHandle = { dialog, body, close: () => dialog.close() };
  dialog.addEventListener('close', () => {
    dialog.remove();
    onClose?.();
    if (opener?.isConnected) opener.focus();
    else document.getElementById('main')?.focus();
  });
  const { initialFocus } = build(handle);
  document.body.appendChild(dialog);
  dialog.showModal();
  (initialFocus ?? dialog.querySelector<HTMLElement>('input, select, textarea, button'))?.focus();
  return handle;
}

/** An alert area for a form's errors: shows the API's message as it is, never swallows it. */
export function errorArea(): { element: HTMLElement; show(message: string): void; clear(): void } {
  const element = h('p', { class: 'error', role: 'alert', hidden: true });
  return {
    element,
    show(message) {
      element.textContent = message;
      element.hidden = false;
    },
    clear() {
      element.textContent = '';
      element.hidden = true;
    },
  };
}

/** Asks before something that cannot be undone; resolves true only on the confirm button. */
export function confirmDialog(options: { title: string; message: string; confirmLabel: string; danger?: boolean }): Promise<boolean> {
  return new Promise((resolve) => {
    let confirmed = false;
    openDialog(
      options.title,
      ({ body, close }) => {
        const cancel = h('button', { type: 'button', class: 'button', onclick: () => close() }, 'Cancel');
        const confirmClass = options.danger ? 'button button--danger' : 'button button--primary';
        const onConfirm = () => {
          confirmed = true;
          close();
        };
        const confirm = h('button', { type: 'button', class: confirmClass, onclick: onConfirm }, options.confirmLabel);
        body.append(h('p', {}, options.message), h('div', { class: 'dialog__actions' }, cancel, confirm));
        // The safe choice has the focus, so Enter alone never destroys anything.
        return { initialFocus: cancel };
      },
      () => resolve(confirmed),
    );
  });
}
