# A program whose cycles on rapid-core follow by hand (1.5 GHz: external
# memory 96 GB/s = 64 B/cycle, Lx 384 GB/s = 256 B/cycle, SFUs 2 x 64 ops
# per cycle; the instruction unit issues one instruction per cycle). The
# .model line comes from a compiled model (rapid-core's fingerprint).
.layer name="load" macs=0 cycles=0,0,0,100,0,0
.layer name="overlap" macs=0 cycles=0,0,0,0,0,20
.region name="data" space=ext offset=65536 size=6400
.constants address=0 size=0
.core 0
.dma 0 bits=16 dims=3200:2:2
# Layer 0: 6400 bytes from external memory (100 cycles), the instruction
# unit waiting: issued at cycle 2, done at 102; the wait ends at 103.
.mark 0
seti a=a1, imm=0
seti a=a2, imm=65536
dma path=ext_to_lx, peer=self, desc=0, dst=a1, dst_off=0, src=a2, src_off=0, wait=none, signal=s0
sem.wait sem=s0, count=1
# Layer 1: 6400 bytes Lx -> L0 (25 cycles) and 1280 SFU elements (10
# cycles) on different engines, overlapped: issued at 103 and 104, the
# wait for both ends at 129; halt at 129, so 130 cycles in all.
.mark 1
dma path=lx_to_l0, peer=self, desc=0, dst=a1, dst_off=0, src=a1, src_off=0, wait=none, signal=s0
sfu op=max, in_prec=fp32, out_prec=fp32, b_mode=scalar, count=1280, dst=a1, dst_off=0, a=a1, a_off=0, b=a0, b_off=0, wait=none, signal=s0, group=0
sem.wait sem=s0, count=2
halt
