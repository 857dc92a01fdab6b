/**
 * The Quality tab's state for the open table: its saved rules (edited here, saved to the catalog), the
 * report of the last run at the slider's version, and the table's past results for the history chart.
 */
import { create } from 'zustand';
import type { CheckReport, QualityCheck, QualityResultEntry } from '../../../core/api/workbench';
import { api, errorGuard } from '../api/client';

const HISTORY_LIMIT = 2000;

interface QualityState {
  location?: string;
  connectionId?: string;
  rules: QualityCheck[];
  /** The rules differ from the saved ones. */
  dirty: boolean;
  report?: CheckReport;
  running: boolean;
  history: QualityResultEntry[];
  error?: string;
  load(location: string, connectionId?: string): Promise<void>;
  setRules(rules: QualityCheck[]): void;
  save(): Promise<void>;
  run(version?: string): Promise<void>;
}

export const useQuality = create<QualityState>()((set, get) => {
  const where = () => ({ location: get().location!, connectionId: get().connectionId });
  const guard = errorGuard((error) => set({ error }));
  return {
    rules: [],
    dirty: false,
    running: false,
    history: [],
    async load(location, connectionId) {
      if (get().location === location && get().connectionId === connectionId) return;
      set({ location, connectionId, rules: [], dirty: false, report: undefined, history: [], error: undefined });
      await guard(async () => {
        const [rules, history] = await Promise.all([api().qualityRules(where()), api().qualityHistory({ ...where(), limit: HISTORY_LIMIT })]);
        if (get().location === location) set({ rules, history });
      });
    },
    setRules(rules) {
      set({ rules, dirty: true });
    },
    async save() {
      await guard(async () => {
        await api().saveQualityRules({ ...where(), rules: get().rules });
        set({ dirty: false });
      });
    },
    async run(version) {
      set({ running: true });
      await guard(async () => {
        const location = get().location;
        const report = await api().qualityRun({ ...where(), version, rules: get().rules });
        const history = await api().qualityHistory({ ...where(), limit: HISTORY_LIMIT });
        if (get().location === location) set({ report, history });
      });
      set({ running: false });
    },
  };
});
