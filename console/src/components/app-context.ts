import { createContext, use } from 'react';
import type { Controller } from '../state/controller.ts';
import type { AppState } from '../state/model.ts';
import { useSlice } from '../state/store.ts';

export const ControllerContext = createContext<Controller | null>(null);

export function useController(): Controller {
  const controller = use(ControllerContext);
  if (!controller) throw new Error('useController outside ControllerContext');
  return controller;
}

/** A part of the app state; re-renders only when that part changes. */
export function useAppState<T>(select: (state: AppState) => T): T {
  return useSlice(useController().store, select);
}
