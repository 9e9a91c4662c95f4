# Four cores on 2x1 chips (two per chip; core g is core g % 2 of chip
# g / 2): 16 fp32 values go core 0 -> core 1 over the ring, then to
# chip 1's core 1 (core 3) over the +x link; core 3 doubles them and sends
# them back over its -x link to core 1, which writes them out. System
# barriers order the steps. The .model line is prepended by the test.
.region name="x" space=ext offset=0 size=64
.region name="y" space=ext offset=64 size=64
.tensor input name="x" dtype=fp32 shape=16 address=0 scale=1.0 zero_point=0
.tensor output name="y" dtype=fp32 shape=16 address=64 scale=1.0 zero_point=0
.constants address=0 size=0
.core 0
.dma 0 bits=32 dims=16:4:4
seti a=a1, imm=0
dma path=ext_to_lx, peer=self, desc=0, dst=a1, dst_off=0, src=a1, src_off=0, wait=none, signal=s0
sem.wait sem=s0, count=1
dma path=lx_to_ring, peer=next, desc=0, dst=a1, dst_off=0, src=a1, src_off=0, wait=none, signal=s0
sem.wait sem=s0, count=1
barrier scope=system, id=0
barrier scope=system, id=1
barrier scope=system, id=2
halt
.core 1
.dma 0 bits=32 dims=16:4:4
seti a=a1, imm=0
barrier scope=system, id=0
dma path=lx_to_link, peer=+x, desc=0, dst=a1, dst_off=0, src=a1, src_off=0, wait=none, signal=s0
sem.wait sem=s0, count=1
barrier scope=system, id=1
barrier scope=system, id=2
seti a=a2, imm=64
dma path=lx_to_ext, peer=self, desc=0, dst=a2, dst_off=0, src=a2, src_off=0, wait=none, signal=s0
sem.wait sem=s0, count=1
halt
.core 2
barrier scope=system, id=0
barrier scope=system, id=1
barrier scope=chip, id=5
barrier scope=system, id=2
halt
.core 3
.dma 0 bits=32 dims=16:4:4
seti a=a1, imm=0
barrier scope=system, id=0
barrier scope=system, id=1
barrier scope=chip, id=5
sfu op=add, in_prec=fp32, out_prec=fp32, b_mode=vector, count=16, dst=a1, dst_off=0, a=a1, a_off=0, b=a1, b_off=0, wait=none, signal=s0, group=0
sem.wait sem=s0, count=1
dma path=lx_to_link, peer=-x, desc=0, dst=a1, dst_off=64, src=a1, src_off=0, wait=none, signal=s0
sem.wait sem=s0, count=1
barrier scope=system, id=2
halt
