/*
 * The KVM probe's guest: a multiboot image (QEMU loads it as -kernel) that
 * writes to the serial port in protected mode, turns on paging and long
 * mode, and writes again: where nested KVM hangs guests, it stops between.
 */
        .set MB_MAGIC, 0x1BADB002
        .set MB_FLAGS, 0x00010000           /* the load addresses below are valid */
        .set COM1, 0x3f8
        .set BASE, 0x100000

        .text
        .code32
        .globl _start
_start:
header:
        .long MB_MAGIC
        .long MB_FLAGS
        .long -(MB_MAGIC + MB_FLAGS)
        .long header                        /* header_addr */
        .long _start                        /* load_addr */
        .long data_end                      /* load_end_addr */
        .long bss_end                       /* bss_end_addr */
        .long entry32                       /* entry_addr */

puts32:                                     /* %esi: a NUL-terminated string */
        movw $COM1, %dx
1:      lodsb
        testb %al, %al
        jz 2f
        outb %al, %dx
        jmp 1b
2:      ret

entry32:
        cli
        movl $stack_top, %esp
        movl $msg32, %esi
        call puts32
        /* identity-map the first 2 MiB with one large page */
        movl $pdpt, %eax
        orl $3, %eax
        movl %eax, pml4
        movl $pd, %eax
        orl $3, %eax
        movl %eax, pdpt
        movl $0x83, pd
        movl $pml4, %eax
        movl %eax, %cr3
        movl %cr4, %eax
        orl $0x20, %eax                     /* PAE */
        movl %eax, %cr4
        movl $0xC0000080, %ecx              /* EFER */
        rdmsr
        orl $0x100, %eax                    /* LME */
        wrmsr
        movl %cr0, %eax
        orl $0x80000001, %eax               /* PG, PE */
        movl %eax, %cr0
        lgdt gdtr
        ljmp $0x08, $entry64

        .code64
entry64:
        movw $0x10, %ax
        movw %ax, %ds
        movw %ax, %ss
        leaq msg64(%rip), %rsi
        movw $COM1, %dx
1:      lodsb
        testb %al, %al
        jz 2f
        outb %al, %dx
        jmp 1b
2:      cli
        hlt
        jmp 2b

        /* data, in the same section: one contiguous image */
        .align 8
gdt:
        .quad 0
        .quad 0x00209A0000000000            /* 64-bit code */
        .quad 0x0000920000000000            /* data */
gdtr:
        .word gdtr - gdt - 1
        .long gdt
msg32:  .asciz "provium-probe: protected mode\n"
msg64:  .asciz "provium-probe: long mode\n"
data_end:

        .bss
        .align 4096
pml4:   .skip 4096
pdpt:   .skip 4096
pd:     .skip 4096
        .skip 1024
stack_top:
bss_end:
