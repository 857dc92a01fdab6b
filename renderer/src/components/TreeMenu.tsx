/**
 * The explorer's context menu (right-click, the context-menu key or Shift+F10 on a tree item): a
 * role=menu list moved through with the arrow keys; Esc (focus back to the item), a click elsewhere
 * or an action closes it.
 */
import { useEffect, useRef } from 'react';

export interface MenuItem {
  label: string;
  run(): void | Promise<void>;
  testId: string;
  /** Why it is off, as its tooltip. */
  disabled?: string;
}

export function TreeMenu({ x, y, items, onClose }: { x: number; y: number; items: readonly MenuItem[]; onClose(returnFocus: boolean): void }) {
  const menu = useRef<HTMLDivElement>(null);
  useEffect(() => {
    menu.current?.querySelector<HTMLButtonElement>('button:not([disabled])')?.focus();
    const onPointer = (e: PointerEvent) => {
      if (!menu.current?.contains(e.target as Node)) onClose(false);
    };
    window.addEventListener('pointerdown', onPointer, true);
    return () => window.removeEventListener('pointerdown', onPointer, true);
  }, [onClose]);
  const onKeyDown = (e: React.KeyboardEvent) => {
    const buttons = [...(menu.current?.querySelectorAll<HTMLButtonElement>('button:not([disabled])') ?? [])];
    const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
    const step = e.key === 'ArrowDown' ? 1 : e.key === 'ArrowUp' ? -1 : 0;
    if (step) buttons[(at + step + buttons.length) % buttons.length]?.focus();
    else if (e.key === 'Home') buttons[0]?.focus();
    else if (e.key === 'End') buttons.at(-1)?.focus();
    else if (e.key === 'Escape' || e.key === 'Tab') onClose(true);
    else return;
    e.preventDefault();
    e.stopPropagation();
  };
  return (
    <div className="tree-menu" role="menu" ref={menu} style={{ left: x, top: y }} onKeyDown={onKeyDown} data-testid="tree-menu">
      {items.map((item) => (
        <button
          key={item.testId}
          role="menuitem"
          disabled={!!item.disabled}
          title={item.disabled}
          onClick={() => {
            void item.run();
            onClose(false);
          }}
          data-testid={item.testId}
        >
          {item.label}
        </button>
      ))}
    </div>
  );
}
