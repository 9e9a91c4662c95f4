# Cores 0 and 1 of chip 0 each send 64 000 bytes over chip 0's +x link at
# once: the link carries one transfer at a time (64 B/cycle after a
# 500-cycle start-up), so the second waits for the first.
.constants address=0 size=0
.core 0
.dma 0 bits=32 dims=16000:4:4
seti a=a1, imm=0
dma path=lx_to_link, peer=+x, desc=0, dst=a1, dst_off=0, src=a1, src_off=0, wait=none, signal=s0
sem.wait sem=s0, count=1
halt
.core 1
.dma 0 bits=32 dims=16000:4:4
seti a=a1, imm=0
dma path=lx_to_link, peer=+x, desc=0, dst=a1, dst_off=0, src=a1, src_off=0, wait=none, signal=s0
sem.wait sem=s0, count=1
halt
.core 2
halt
.core 3
halt
