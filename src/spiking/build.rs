//! Building a spiking network from options: the populations, Poisson inputs, projections and
//! motif rules of `lif_network(...)`, declared once as option structs (keys, defaults, units,
//! docs). The script binding converts a map into [`CustomNetOpts`] or [`ExtraOpts`] and calls
//! [`CustomNetOpts::spec`] or [`ExtraOpts::apply`]; every numerical decision (the default
//! rule, K = round(p N), the motif rule of a paper projection) is made here.

use super::model::{NetSpec, PoissonInput, Population, Projection, Rule, Source, Synapse};
use crate::error::{Error, Result};
use crate::options::{Count, Num};
use crate::rate::lifnet::LifNetwork;
use serde::{Deserialize, Serialize};

/// A delay: one value or a range `[min, max]` (ms).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Delay {
    /// One delay for every connection.
    One(Num),
    /// Delays uniform in [min, max].
    Range([Num; 2]),
}

crate::options! {
    /// One LIF population of a custom network (an entry of `populations`).
    pub struct PopulationOpts {
        /// name (default P0, P1, ...)
        name: Option<String> = None, "";
        /// number of neurons
        N: Count = Count(1000), "";
        /// membrane time constant
        tau: Num = Num(20.0), "ms";
        /// threshold
        theta: Num = Num(1.0), "mV";
        /// reset
        v_reset: Num = Num(0.0), "mV";
        /// absolute refractory period
        t_ref: Num = Num(0.0), "ms";
        /// external white-noise intensity
        sigma: Num = Num(3.0), "mV/sqrt(s)";
        /// "E" or "I" (default: E for the first population, I for the others)
        r#type: Option<String> = None, "";
    }
}

crate::options! {
    /// A population of Poisson sources (an entry of `poisson`).
    pub struct PoissonOpts {
        /// name (default X1, X2, ...)
        name: Option<String> = None, "";
        /// number of sources
        N: Count = Count(1000), "";
    }
}

crate::options! {
    /// One projection (an entry of `connections`).
    pub struct ConnectionOpts {
        /// presynaptic population or Poisson input (required)
        from: String = String::new(), "";
        /// postsynaptic LIF population (required)
        to: String = String::new(), "";
        /// "fixed_indegree", "pairwise_bernoulli" or "sonet"
        rule: String = "fixed_indegree".to_string(), "";
        /// in-degree of fixed_indegree (none: round(p N_pre))
        K: Option<Count> = None, "";
        /// connection probability (pairwise_bernoulli and sonet; or K = round(p N_pre))
        p: Option<Num> = None, "";
        /// efficacy magnitude, the sign comes from the source type (required)
        j: Option<Num> = None, "mV";
        /// "delta" or "exp"
        synapse: String = "delta".to_string(), "";
        /// decay time of exp synapses
        tau_s: Num = Num(10.0), "ms";
        /// one delay or [min, max] (uniform)
        delay: Delay = Delay::One(Num(0.0)), "ms";
        /// allow a neuron to connect to itself
        allow_autapses: bool = false, "";
        /// sonet: reciprocal motif frequency (recurrent projections)
        alpha_recip: Num = Num(0.0), "";
        /// sonet: convergent motif frequency
        alpha_conv: Num = Num(0.0), "";
        /// sonet: divergent motif frequency
        alpha_div: Num = Num(0.0), "";
        /// sonet: chain motif frequency (recurrent projections)
        alpha_chain: Num = Num(0.0), "";
    }
}

crate::options! {
    /// Second-order motifs on one projection of a paper network (an entry of `motifs`).
    pub struct MotifOpts {
        /// presynaptic population
        from: String = "E".to_string(), "";
        /// postsynaptic population
        to: String = "E".to_string(), "";
        /// reciprocal motif frequency
        alpha_recip: Num = Num(0.0), "";
        /// convergent motif frequency
        alpha_conv: Num = Num(0.0), "";
        /// divergent motif frequency
        alpha_div: Num = Num(0.0), "";
        /// chain motif frequency
        alpha_chain: Num = Num(0.0), "";
    }
}

crate::options! {
    /// A custom network: `lif_network(#{ populations: [...], connections: [...], poisson: [...] })`.
    pub struct CustomNetOpts {
        /// name shown when printed
        name: String = "custom".to_string(), "";
        /// LIF populations (#{name, N, tau, theta, v_reset, t_ref, sigma, type}; required)
        populations: Vec<PopulationOpts> = Vec::new(), "";
        /// projections (#{from, to, rule, K, p, j, synapse, tau_s, delay, allow_autapses, alpha_*})
        connections: Vec<ConnectionOpts> = Vec::new(), "";
        /// Poisson inputs (#{name, N})
        poisson: Vec<PoissonOpts> = Vec::new(), "";
    }
}

crate::options! {
    /// Extras of `lif_network(params, extra)` on a paper (E, I) network.
    pub struct ExtraOpts {
        /// name shown when printed (none: the network's name)
        name: Option<String> = None, "";
        /// rule of the paper projections: "fixed_indegree" (K = round(p N)) or "pairwise_bernoulli"
        rule: String = "fixed_indegree".to_string(), "";
        /// allow autapses in the paper projections
        allow_autapses: bool = false, "";
        /// SONET motifs on paper projections (#{from, to, alpha_recip, alpha_conv, alpha_div, alpha_chain})
        motifs: Vec<MotifOpts> = Vec::new(), "";
        /// Poisson inputs (#{name, N})
        poisson: Vec<PoissonOpts> = Vec::new(), "";
        /// further projections, as in a custom network
        connections: Vec<ConnectionOpts> = Vec::new(), "";
    }
}

fn source(spec: &NetSpec, name: &str, what: &str) -> Result<Source> {
    if let Some(i) = spec.pop_index(name) {
        return Ok(Source::Pop(i));
    }
    if let Some(i) = spec.poisson_index(name) {
        return Ok(Source::Poisson(i));
    }
    let mut names: Vec<&str> = spec.pops.iter().map(|p| p.name.as_str()).collect();
    names.extend(spec.poisson.iter().map(|p| p.name.as_str()));
    Err(Error::param(
        what,
        format!("{name:?}"),
        format!("unknown population; the network has: {}", names.join(", ")),
    ))
}

impl PopulationOpts {
    /// The population (index `i` gives the default name and type).
    pub fn population(&self, i: usize) -> Result<Population> {
        let ty = self
            .r#type
            .clone()
            .unwrap_or_else(|| if i == 0 { "E" } else { "I" }.to_string());
        if ty != "E" && ty != "I" {
            return Err(Error::param(
                &format!("populations[{i}].type"),
                format!("{ty:?}"),
                "must be \"E\" or \"I\"",
            ));
        }
        Ok(Population {
            name: self.name.clone().unwrap_or_else(|| format!("P{i}")),
            n: self.N.0 as usize,
            tau: self.tau.0,
            theta: self.theta.0,
            v_reset: self.v_reset.0,
            t_ref: self.t_ref.0,
            sigma: self.sigma.0,
            excitatory: ty == "E",
        })
    }
}

impl PoissonOpts {
    fn input(&self, i: usize) -> PoissonInput {
        PoissonInput {
            name: self.name.clone().unwrap_or_else(|| format!("X{}", i + 1)),
            n: self.N.0 as usize,
        }
    }
}

impl ConnectionOpts {
    /// The projection of entry `i` in `spec`. The default rule is fixed in-degree with K, or
    /// K = round(p N_pre) from `p`, as in the paper; pairwise Bernoulli only when asked for
    /// (its random in-degree raises rates).
    pub fn projection(&self, spec: &NetSpec, i: usize) -> Result<Projection> {
        let at = |key: &str| format!("connections[{i}].{key}");
        let need = |key: &str, what: &str| Error::param(&at(key), "none", what);
        if self.from.is_empty() {
            return Err(need("from", "is required: the presynaptic population"));
        }
        if self.to.is_empty() {
            return Err(need("to", "is required: the postsynaptic population"));
        }
        let pre = source(spec, &self.from, &at("from"))?;
        let post = match source(spec, &self.to, &at("to"))? {
            Source::Pop(x) => x,
            Source::Poisson(_) => {
                return Err(Error::param(
                    &at("to"),
                    format!("{:?}", self.to),
                    "is a Poisson input; targets must be LIF populations",
                ));
            }
        };
        let p = || {
            self.p
                .map(|p| p.0)
                .ok_or_else(|| need("p", "is required by this rule"))
        };
        let rule = match self.rule.as_str() {
            "fixed_indegree" => match (self.K, self.p) {
                (Some(k), _) => Rule::FixedIndegree { k: k.0 as usize },
                (None, Some(p)) => Rule::FixedIndegree {
                    k: (p.0 * spec.source_size(pre)? as f64).round() as usize,
                },
                (None, None) => return Err(need("K", "is required (or give p)")),
            },
            "pairwise_bernoulli" => Rule::Bernoulli { p: p()? },
            "sonet" => Rule::Sonet {
                p: p()?,
                recip: self.alpha_recip.0,
                conv: self.alpha_conv.0,
                div: self.alpha_div.0,
                chain: self.alpha_chain.0,
            },
            other => {
                return Err(Error::param(
                    &at("rule"),
                    format!("{other:?}"),
                    "must be \"fixed_indegree\", \"pairwise_bernoulli\" or \"sonet\"",
                ));
            }
        };
        let synapse = match self.synapse.as_str() {
            "delta" => Synapse::Delta,
            "exp" | "exponential" => Synapse::Exp {
                tau_s: self.tau_s.0,
            },
            other => {
                return Err(Error::param(
                    &at("synapse"),
                    format!("{other:?}"),
                    "must be \"delta\" or \"exp\"",
                ));
            }
        };
        let delay = match self.delay {
            Delay::One(d) => (d.0, d.0),
            Delay::Range([a, b]) => (a.0, b.0),
        };
        Ok(Projection {
            pre,
            post,
            rule,
            j: self.j.ok_or_else(|| need("j", "is required (mV)"))?.0,
            synapse,
            delay,
            allow_autapses: self.allow_autapses,
        })
    }
}

/// Adds the Poisson inputs and the further connections to `spec` and validates it.
fn finish(
    spec: &mut NetSpec,
    poisson: &[PoissonOpts],
    connections: &[ConnectionOpts],
) -> Result<()> {
    spec.poisson = poisson
        .iter()
        .enumerate()
        .map(|(i, p)| p.input(i))
        .collect();
    for (i, c) in connections.iter().enumerate() {
        let pr = c.projection(spec, i)?;
        spec.projections.push(pr);
    }
    spec.validate()
}

impl CustomNetOpts {
    /// The network these options describe (validated).
    pub fn spec(&self) -> Result<NetSpec> {
        if self.populations.is_empty() {
            return Err(Error::param(
                "populations",
                "none",
                "is required: an array of #{name, N, tau, theta, v_reset, t_ref, sigma, type}",
            ));
        }
        let mut spec = NetSpec {
            name: self.name.clone(),
            pops: self
                .populations
                .iter()
                .enumerate()
                .map(|(i, p)| p.population(i))
                .collect::<Result<_>>()?,
            poisson: Vec::new(),
            projections: Vec::new(),
        };
        finish(&mut spec, &self.poisson, &self.connections)?;
        Ok(spec)
    }
}

impl ExtraOpts {
    /// The spiking network of the paper parameters `p` with these extras (validated).
    pub fn spec(&self, p: &LifNetwork) -> Result<NetSpec> {
        let mut spec = NetSpec::from_lif_network(p)?;
        if let Some(name) = &self.name {
            spec.name = name.clone();
        }
        for pr in spec.projections.iter_mut() {
            pr.allow_autapses = self.allow_autapses;
            match self.rule.as_str() {
                "fixed_indegree" => {}
                "pairwise_bernoulli" => {
                    if let (Source::Pop(y), Rule::FixedIndegree { .. }) = (pr.pre, pr.rule) {
                        pr.rule = Rule::Bernoulli { p: p.p[pr.post][y] };
                    }
                }
                other => {
                    return Err(Error::param(
                        "rule",
                        format!("{other:?}"),
                        "must be \"fixed_indegree\" or \"pairwise_bernoulli\"",
                    ));
                }
            }
        }
        for (i, m) in self.motifs.iter().enumerate() {
            let (Some(x), Some(y)) = (spec.pop_index(&m.to), spec.pop_index(&m.from)) else {
                return Err(Error::param(
                    &format!("motifs[{i}]"),
                    format!("from = {:?}, to = {:?}", m.from, m.to),
                    "must name populations (\"E\", \"I\")",
                ));
            };
            let pr = spec
                .projections
                .iter_mut()
                .find(|pr| pr.post == x && pr.pre == Source::Pop(y))
                .ok_or_else(|| {
                    Error::param(
                        &format!("motifs[{i}]"),
                        format!("{} -> {}", m.from, m.to),
                        "is not a projection of this network",
                    )
                })?;
            pr.rule = Rule::Sonet {
                p: p.p[x][y],
                recip: m.alpha_recip.0,
                conv: m.alpha_conv.0,
                div: m.alpha_div.0,
                chain: m.alpha_chain.0,
            };
        }
        finish(&mut spec, &self.poisson, &self.connections)?;
        Ok(spec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts<T: serde::de::DeserializeOwned + crate::options::Documented>(
        j: serde_json::Value,
    ) -> T {
        serde_json::from_value(j).expect("valid options")
    }

    #[test]
    fn custom_network_defaults_and_rules() {
        let o: CustomNetOpts = opts(serde_json::json!({
            "populations": [{"name": "E", "N": 100}, {"name": "I", "N": 50}],
            "poisson": [{"N": 20}],
            "connections": [
                {"from": "E", "to": "I", "p": 0.2, "j": 0.1},
                {"from": "X1", "to": "E", "rule": "pairwise_bernoulli", "p": 0.5, "j": 0.2, "delay": [1, 2]},
            ],
        }));
        let s = o.spec().unwrap();
        assert!(s.pops[0].excitatory && !s.pops[1].excitatory);
        assert_eq!(s.poisson[0].name, "X1");
        assert_eq!(s.projections[0].rule, Rule::FixedIndegree { k: 20 });
        assert_eq!(s.projections[1].delay, (1.0, 2.0));
        assert_eq!(s.projections[1].pre, Source::Poisson(0));
    }

    #[test]
    fn custom_network_errors_name_the_entry() {
        let o: CustomNetOpts = opts(serde_json::json!({
            "populations": [{"name": "E"}],
            "connections": [{"from": "E", "to": "Q", "K": 1, "j": 0.1}],
        }));
        let e = o.spec().unwrap_err().to_string();
        assert!(e.contains("connections[0].to") && e.contains("E"), "{e}");
        let o: CustomNetOpts = opts(serde_json::json!({
            "populations": [{"name": "E"}],
            "connections": [{"from": "E", "to": "E", "K": 1}],
        }));
        let e = o.spec().unwrap_err().to_string();
        assert!(e.contains("connections[0].j"), "{e}");
        let e = CustomNetOpts::default().spec().unwrap_err().to_string();
        assert!(e.contains("populations"), "{e}");
    }
}
