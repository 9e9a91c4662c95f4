# Core 0 works in all three layers; core 1 only in the first, then meets
# core 0 at each barrier. The idle core's barriers and halt belong to no
# layer: layer 0 spans its own two cycles, not the whole run.
.layer name="L0" macs=0 cycles=0,0,0,2,0,0
.layer name="L1" macs=0 cycles=0,0,0,0,0,782
.layer name="L2" macs=0 cycles=0,0,0,1,0,0
.constants address=0 size=0
.core 0
.mark 0
nop
nop
barrier scope=chip, id=0
.mark 1
sfu op=max, in_prec=fp32, out_prec=fp32, b_mode=scalar, count=100000, dst=a1, dst_off=0, a=a1, a_off=0, b=a0, b_off=0, wait=none, signal=s0, group=0
sem.wait sem=s0, count=1
barrier scope=chip, id=1
.mark 2
nop
barrier scope=chip, id=2
halt
.core 1
.mark 0
nop
nop
barrier scope=chip, id=0
barrier scope=chip, id=1
barrier scope=chip, id=2
halt
.core 2
halt
.core 3
halt
