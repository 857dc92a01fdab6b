/** Light or dark: follows the OS (prefers-color-scheme) unless the user picks one. */
import { create } from 'zustand';

export type ThemeChoice = 'system' | 'light' | 'dark';
export type Theme = 'light' | 'dark';

interface ThemeState {
  choice: ThemeChoice;
  /** What the OS prefers right now. */
  system: Theme;
  setChoice(choice: ThemeChoice): void;
  setSystem(system: Theme): void;
}

export const useTheme = create<ThemeState>()((set) => ({
  choice: 'system',
  system: 'light',
  setChoice: (choice) => set({ choice }),
  setSystem: (system) => set({ system }),
}));

export function resolvedTheme(state: Pick<ThemeState, 'choice' | 'system'>): Theme {
  return state.choice === 'system' ? state.system : state.choice;
}

/** Keeps `system` in step with the OS; returns the unsubscribe function. */
export function followSystemTheme(): () => void {
  const query = window.matchMedia('(prefers-color-scheme: dark)');
  const update = () => useTheme.getState().setSystem(query.matches ? 'dark' : 'light');
  update();
  query.addEventListener('change', update);
  return () => query.removeEventListener('change', update);
}
