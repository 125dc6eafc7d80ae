"""Brian2 (cpp_standalone) version of the ssnlab spiking benchmark.

    python bench/brian2_bench.py fig2 4000 10     # network, N, simulated seconds
Prints wall seconds of the simulation loop (device._last_run_time, compilation excluded),
seconds per simulated second and the mean rates.
"""
import sys, time, os
import numpy as np
from brian2 import *
from networks import network, fixed_indegree

name = sys.argv[1] if len(sys.argv) > 1 else "fig2"
n_total = int(sys.argv[2]) if len(sys.argv) > 2 else 4000
sim_s = float(sys.argv[3]) if len(sys.argv) > 3 else 10.0
threads = int(os.environ.get("THREADS", "2"))
net = network(name, n_total)
set_device("cpp_standalone", directory=f"/tmp/brian2_{name}_{n_total}")
prefs.devices.cpp_standalone.openmp_threads = threads
defaultclock.dt = net["dt"] * ms
rng = np.random.default_rng(1)
groups = []
for x in range(2):
    tau = net["tau"][x] * ms
    G = NeuronGroup(net["n"][x],
                    "dv/dt = -v/tau_m + mu + sigma*xi : volt",
                    threshold="v > 1*mV", reset="v = 0*mV", method="euler",
                    namespace=dict(tau_m=tau, mu=net["mu"] * mV / second,
                                   sigma=net["sigma"] * mV / second ** 0.5))
    G.v = "rand()*mV"
    groups.append(G)
syns = []
for x in range(2):
    for y in range(2):
        k = int(round(net["p"][x][y] * net["n"][y]))
        sign = 1 if y == 0 else -1
        S = Synapses(groups[y], groups[x], on_pre=f"v_post += {sign * net['j'][x][y]}*mV")
        pre, post = fixed_indegree(net["n"][y], net["n"][x], k, x == y, rng)
        S.connect(i=pre, j=post)
        syns.append(S)
mons = []
for G in groups:
    mons.append(SpikeMonitor(G, record=False))
# An explicit Network: objects made inside comprehensions escape Brian2's magic collection.
Network(groups, syns, mons).run(sim_s * second)
wall = device._last_run_time
rates = [m.num_spikes / (G.N * sim_s) for m, G in zip(mons, groups)]
print(f"brian2 {name} N={n_total} threads={threads}: {wall:.2f} s for {sim_s} s "
      f"({wall / sim_s:.3f} s per simulated s), rates {rates[0]:.3f} {rates[1]:.3f} Hz")
