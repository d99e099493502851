/**
 * The ground-truth event types: which kind of taken branch each event is (user, kernel, entry,
 * return, switch_to), the bits every actor uses to tell them apart.
 */
export const EV_USER = 0; // user -> user
export const EV_KERNEL = 1; // kernel -> kernel (nested interrupts included)
export const EV_ENTRY = 2; // user -> kernel (syscall, exception, interrupt)
export const EV_RETURN = 3; // kernel -> user
export const EV_SWITCH = 4; // the switch_to branch (kernel -> kernel)
export const EV_TYPE_MASK = 0x0f;
/** The CPU has interrupts disabled at this event: a PMI stays pending. */
export const IRQS_OFF = 0x80;
