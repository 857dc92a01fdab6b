/** The shell's pane sizes fitted into the window (renderer/src/logic/pane-fit.ts). */
import { describe, expect, it } from 'vitest';
import { CENTER_MIN, fitColumns, fitEditorHeight, fitHistoryWidth, HANDLE_PX, NO_CHOICES } from '../../renderer/src/logic/pane-fit';

describe('fitColumns', () => {
  it('scales the defaults with the window: a laptop and a 4K screen', () => {
    const laptop = fitColumns(1280, NO_CHOICES, true, false);
    expect(laptop).toEqual({ explorer: 256, inspector: 358, center: 1280 - 256 - 358 - 2 * HANDLE_PX });
    const screen4k = fitColumns(3840, NO_CHOICES, true, false);
    expect(screen4k.explorer).toBe(560);
    expect(screen4k.inspector).toBe(900);
    expect(screen4k.center).toBeGreaterThan(2000);
  });

  it('shrinks the inspector before the explorer to leave the center its least width', () => {
    const choices = { sizes: { explorer: 300, inspector: 700 }, collapsed: {} };
    const fitted = fitColumns(1280, choices, true, false);
    expect(fitted.explorer).toBe(300);
    expect(fitted.center).toBe(CENTER_MIN);
    expect(fitted.inspector).toBe(1280 - 300 - CENTER_MIN - 2 * HANDLE_PX);
  });

  it('shrinks the explorer too once the inspector is at its least width', () => {
    const fitted = fitColumns(1000, { sizes: { explorer: 400, inspector: 600 }, collapsed: {} }, true, false);
    expect(fitted.inspector).toBe(300);
    expect(fitted.explorer).toBe(1000 - 300 - CENTER_MIN - 2 * HANDLE_PX);
  });

  it('gives collapsed panes no width, and the inspector none when nothing is open in it', () => {
    expect(fitColumns(1440, { sizes: {}, collapsed: { explorer: true } }, false, false)).toEqual({ explorer: 0, inspector: 0, center: 1440 - HANDLE_PX });
    expect(fitColumns(1440, { sizes: {}, collapsed: { inspector: true } }, true, false).inspector).toBe(0);
  });

  it('keeps a chosen size within the pane range', () => {
    expect(fitColumns(1440, { sizes: { explorer: 50 }, collapsed: {} }, false, false).explorer).toBe(200);
    expect(fitColumns(1440, { sizes: { explorer: 5000 }, collapsed: {} }, false, false).explorer).toBe(720);
  });
});

describe('the editor and the history', () => {
  it('splits the center between editor and results, either collapsible', () => {
    expect(fitEditorHeight(700, NO_CHOICES)).toBe(294);
    expect(fitEditorHeight(700, { sizes: {}, collapsed: { editor: true } })).toBe(0);
    expect(fitEditorHeight(700, { sizes: {}, collapsed: { results: true } })).toBe(700 - HANDLE_PX);
    // The results keep their least height under a tall editor.
    expect(fitEditorHeight(700, { sizes: { editor: 690 }, collapsed: {} })).toBe(700 - HANDLE_PX - 120);
  });

  it('sizes the history beside the editor', () => {
    expect(fitHistoryWidth(900, NO_CHOICES)).toBe(162);
    expect(fitHistoryWidth(900, { sizes: {}, collapsed: { history: true } })).toBe(0);
  });
});
