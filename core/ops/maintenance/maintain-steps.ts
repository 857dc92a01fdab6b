/** The steps of `maintain`, in the order it runs them (a step the table's format lacks is left out). Pure: the renderer uses it too. */
export const MAINTAIN_STEPS = ['compact', 'checkpoint', 'rewrite-manifests', 'expire', 'vacuum'] as const;
export type MaintainStep = (typeof MAINTAIN_STEPS)[number];
