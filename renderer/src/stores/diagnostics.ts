/**
 * The Diagnostics dialog (`lakebench doctor` in the app), and the engine's "cannot start" state: once any
 * call fails with ENVIRONMENT, the app shows the report full-screen instead of failing panel by panel.
 */
import { create } from 'zustand';
import type { DoctorReport } from '../../../core/api/doctor';
import { api, errorMessage } from '../api/client';

interface DiagnosticsState {
  open: boolean;
  loading: boolean;
  report?: DoctorReport;
  error?: string;
  /** Why the engine cannot start, once a call said so. */
  engineUnavailable?: string;
  show(): Promise<void>;
  close(): void;
  markUnavailable(reason: string): void;
}

export const useDiagnostics = create<DiagnosticsState>()((set, get) => ({
  open: false,
  loading: false,
  show: async () => {
    set({ open: true, loading: true, error: undefined });
    try {
      set({ report: await api().doctor({}), loading: false });
    } catch (e) {
      set({ error: errorMessage(e), loading: false });
    }
  },
  close: () => set({ open: false }),
  markUnavailable: (reason) => {
    if (get().engineUnavailable) return;
    set({ engineUnavailable: reason });
    void get().show();
  },
}));
