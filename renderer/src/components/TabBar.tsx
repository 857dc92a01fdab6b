/** The inspector views' tab bar: one button per tab, `data-testid="<prefix>-tab-<tab>"`; wraps when narrow. */
export function TabBar<T extends string>({ tabs, tab, setTab, prefix }: { tabs: readonly T[]; tab: T; setTab(tab: T): void; prefix: string }) {
  return (
    <div className="segmented tab-bar" role="tablist" data-testid={`${prefix}-tabs`}>
      {tabs.map((t) => (
        <button key={t} role="tab" aria-selected={t === tab} className={t === tab ? 'on' : ''} onClick={() => setTab(t)} data-testid={`${prefix}-tab-${t}`}>
          {t}
        </button>
      ))}
    </div>
  );
}
