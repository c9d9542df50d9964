/* Minimal Cortex-M start-up for the demo: vector table, reset handler
 * (FPU on, .data copied from flash, .bss zeroed, stack painted, C/C++
 * constructors, then main and exit), and a fault handler that ends a QEMU
 * run with a failure instead of hanging. A real board adds its own clock
 * and interrupt set-up (the vendor's CMSIS start-up file does all this). */
#include <stdint.h>
#include <string.h>

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack; /* mps2_an500.ld */
extern int main(void);
extern void __libc_init_array(void);
extern void initialise_monitor_handles(void); /* newlib rdimon: semihosting stdio */
extern void exit(int);

/* -nostartfiles drops crti/crtn, which __libc_init_array still calls. */
void _init(void) {}
void _fini(void) {}

/* Stack high-water mark: the lowest kPaintBytes of the stack are filled
 * with a pattern at reset; stack_peak_bytes() finds how far down it was
 * overwritten. Tells how big an RTOS task running the model must be. */
#define kPaintBytes (64u * 1024u)
#define kPaint 0xA5A5A5A5u

unsigned long stack_peak_bytes(void) {
  const uint32_t* p = (const uint32_t*)((uintptr_t)&_estack - kPaintBytes);
  while (p < &_estack && *p == kPaint) ++p;
  return (unsigned long)((uintptr_t)&_estack - (uintptr_t)p);
}

void Reset_Handler(void) {
#if defined(__ARM_FP)
  /* Built for an FPU: grant CP10/CP11 access before any floating-point
   * instruction runs, or the first one faults. */
  volatile uint32_t* cpacr = (volatile uint32_t*)0xE000ED88u;
  *cpacr |= 0xFu << 20;
  __asm volatile("dsb\n isb" ::: "memory");
#endif
  memcpy(&_sdata, &_sidata, (size_t)((uintptr_t)&_edata - (uintptr_t)&_sdata));
  memset(&_sbss, 0, (size_t)((uintptr_t)&_ebss - (uintptr_t)&_sbss));
  /* Up to just below this function's own frame. */
  for (volatile uint32_t* p = (uint32_t*)((uintptr_t)&_estack - kPaintBytes);
       (uintptr_t)p < (uintptr_t)__builtin_frame_address(0) - 64; ++p) {
    *p = kPaint;
  }
  initialise_monitor_handles();
  __libc_init_array();
  exit(main());
}

/* Semihosting SYS_EXIT with ADP_Stopped_RunTimeErrorUnknown: QEMU exits
 * with status 1. (On a board without a debugger, a breakpoint halts.) */
static void Fault_Handler(void) {
  __asm volatile(
      "movs r0, #0x18\n"
      "ldr r1, =0x20023\n"
      "bkpt 0xab\n" ::: "r0", "r1", "memory");
  for (;;) {
  }
}

/* Core exceptions only: the demo enables no interrupts. */
__attribute__((section(".isr_vector"), used)) static void (*const vectors[16])(void) = {
    (void (*)(void))&_estack, /* initial stack pointer */
    Reset_Handler,
    Fault_Handler, /* NMI */
    Fault_Handler, /* HardFault */
    Fault_Handler, /* MemManage */
    Fault_Handler, /* BusFault */
    Fault_Handler, /* UsageFault */
};
