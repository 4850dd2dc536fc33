import { useSyncExternalStore } from 'react';

/**
 * Whether the person is in the middle of writing something (a note, a reason for a hold or an
 * escalation): a text field in a form on the page holds text not yet submitted. An update's reload
 * would throw that text away, so the update prompt waits (docs/SERVICE-WORKER.md W6).
 */
function isEditing(): boolean {
  for (const field of document.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>(
    'form textarea, form input[type="text"]',
  )) {
    if (field.value.trim() !== '') return true;
  }
  return false;
}

const EVENTS = ['input', 'change', 'submit', 'reset', 'focusout', 'click'] as const;

function subscribe(onChange: () => void): () => void {
  // A submit clears its field after the event (React state): look again once it has rendered.
  const later = () => setTimeout(onChange, 0);
  for (const type of EVENTS) document.addEventListener(type, later, true);
  return () => {
    for (const type of EVENTS) document.removeEventListener(type, later, true);
  };
}

export function useEditing(): boolean {
  return useSyncExternalStore(subscribe, isEditing, () => false);
}
