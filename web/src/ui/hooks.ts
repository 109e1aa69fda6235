// Glue between the ChatClient (mutable state plus change notifications) and Preact.

import { createContext } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import type { ChatClient } from '../protocol/client';

export const ClientContext = createContext<ChatClient | null>(null);

/** The client, re-rendering the caller on every change it announces. */
export function useClient(): ChatClient {
  const client = useContext(ClientContext);
  if (!client) throw new Error('no ChatClient in context');
  const [, setVersion] = useState(0);
  useEffect(() => client.subscribe(() => setVersion((n) => n + 1)), [client]);
  return client;
}

/** Runs an action, reporting a failure through `report` instead of throwing. */
export async function attempt(report: (message: string) => void, action: () => Promise<unknown> | unknown): Promise<boolean> {
  try {
    await action();
    report('');
    return true;
  } catch (e) {
    const err = e as { code?: string; message?: string };
    report(err.code ? `${err.code}: ${err.message ?? ''}` : String(e));
    return false;
  }
}
