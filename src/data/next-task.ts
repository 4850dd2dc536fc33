/**
 * Resolves in a task of its own: the work after it no longer lengthens the current task, so a tap waits
 * at most for what came before (a task past 50 ms is a long one, counted in Total Blocking Time).
 */
export const nextTask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));
