/** Admin actions on the release: promote, pause, resume, abort, rollback — each confirmed in a dialog first. */
import { useRef, useState } from 'preact/hooks';
import type { StatusDocument } from '../../src/api/contract.js';
import { post } from './api.js';

type Verb = 'promote' | 'pause' | 'resume' | 'abort' | 'rollback';

const WHAT: Record<Verb, string> = {
  promote: 'Send all traffic to the canary and finish the release',
  pause: 'Hold the release at its current step',
  resume: 'Let the paused release go on',
  abort: 'Stop the release and send traffic back to stable',
  rollback: 'Roll the last release back to the previous version',
};

const path = (verb: Verb) => (verb === 'rollback' ? '/v1/rollback' : `/v1/release/${verb}`);

/** The action buttons an admin session sees, and the confirmation dialog. */
export function Actions(props: { status: StatusDocument; onDone: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [pending, setPending] = useState<Verb | null>(null);
  const [message, setMessage] = useState('');
  const running = props.status.release !== null;
  const verbs: Verb[] = running ? ['promote', props.status.release?.status === 'paused' ? 'resume' : 'pause', 'abort'] : ['rollback'];

  const ask = (verb: Verb) => {
    setPending(verb);
    dialog.current?.showModal();
  };
  const confirm = async () => {
    dialog.current?.close();
    if (!pending) return;
    try {
      await post(path(pending), { by: 'dashboard' });
      setMessage(`${pending} sent`);
    } catch (failure) {
      setMessage(`${pending} refused: ${failure instanceof Error ? failure.message : String(failure)}`);
    }
    props.onDone();
  };
  return (
    <div class="actions" role="group" aria-label="Release actions">
      {verbs.map((verb) => (
        <button key={verb} class={verb === 'abort' || verb === 'rollback' ? 'danger' : ''} onClick={() => ask(verb)}>
          {verb[0]?.toUpperCase()}
          {verb.slice(1)}
        </button>
      ))}
      <span role="status">{message}</span>
      <dialog ref={dialog} aria-labelledby="confirm-title" onClose={() => setPending(null)}>
        <h2 id="confirm-title">{pending ? `${pending[0]?.toUpperCase() ?? ''}${pending.slice(1)}?` : ''}</h2>
        <p>{pending ? WHAT[pending] : ''}. It is recorded with your name.</p>
        <div class="dialog-buttons">
          <button onClick={() => dialog.current?.close()}>Cancel</button>
          <button class="danger" onClick={() => void confirm()}>
            Yes, {pending}
          </button>
        </div>
      </dialog>
    </div>
  );
}
