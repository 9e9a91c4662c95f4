.model arch="rapid-core" fingerprint=0x1 chips=1x1 cores=1
.core 0
seti a=a1, imm=0
loop body=1, count=16777216
halt
