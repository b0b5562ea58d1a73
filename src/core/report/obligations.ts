/**
 * Which obligations each section of the oversight report gives evidence for. One table, read by
 * every renderer and by docs/oversight-report.md, so the document and the guide cite the same
 * articles. The citations say what a record can support; they do not say an obligation is met.
 */

export const SECTION_KEYS = [
  'routing',
  'holds',
  'human_decisions',
  'fallbacks',
  'sla',
  'reviewers',
  'versions',
  'monitoring',
  'audit',
] as const;
export type SectionKey = (typeof SECTION_KEYS)[number];

export interface Citation {
  framework: 'EU AI Act' | 'NIST AI RMF 1.0';
  /** As the text numbers it: `Art. 14(4)(d)`, `MANAGE 2.4`. */
  ref: string;
  /** What the provision asks, in a few words (a paraphrase, not the text). */
  gist: string;
}

export interface SectionMeta {
  title: string;
  /** What the section shows, for a reader who does not know Tollgate. */
  about: string;
  citations: Citation[];
}

const eu = (ref: string, gist: string): Citation => ({ framework: 'EU AI Act', ref, gist });
const nist = (ref: string, gist: string): Citation => ({ framework: 'NIST AI RMF 1.0', ref, gist });

export const SECTIONS: Record<SectionKey, SectionMeta> = {
  routing: {
    title: 'Volume and routing to people',
    about:
      'Model outputs captured in the period and what the versioned policy decided for each: pass, review by a person, or hold until a person decides; per rule, per risk band (the priority of the rules matched) and per day.',
    citations: [
      eu('Art. 12(1)', 'automatic recording of events over the lifetime of the system'),
      eu('Art. 12(2)(a), (c)', 'logs that help identify risk situations and monitor operation'),
      eu('Art. 14(1), 14(3)', 'effective oversight by natural persons, commensurate with the risks'),
      nist('MANAGE 1.3', 'responses to high-priority risks developed, planned and documented'),
      nist('MANAGE 2.2', 'mechanisms in place and applied to sustain the value of deployed AI systems'),
      nist('MANAGE 3.2', 'pre-trained models monitored as part of regular monitoring (where the model is a third party’s)'),
      nist('MEASURE 2.4', 'functionality and behaviour of the system monitored in production'),
    ],
  },
  holds: {
    title: 'Holds and their outcomes',
    about:
      'Outputs the policy held: the calling system waited for a person before acting. How each hold ended and how long a person took to decide.',
    citations: [
      eu('Art. 14(4)(d)', 'ability to decide not to use the output, or to disregard, override or reverse it'),
      eu('Art. 14(4)(e)', 'ability to intervene in the operation or interrupt the system'),
      nist('MANAGE 2.4', 'mechanisms to supersede, disengage or deactivate a system whose outcomes are inconsistent with intended use'),
      nist('MANAGE 1.3', 'responses to high-priority risks developed, planned and documented'),
    ],
  },
  human_decisions: {
    title: 'Human override and correction rates',
    about:
      'Of the outputs sent to people, how many they approved, corrected or rejected, and the judgments they submitted. Corrections and rejections are overrides: the output was changed or not used.',
    citations: [
      eu('Art. 14(4)(d)', 'ability to disregard, override or reverse the output'),
      eu(
        'Art. 14(4)(b)',
        'awareness of automation bias: approval rates are one place to look for over-reliance; they do not show it alone',
      ),
      nist('MANAGE 4.1', 'post-deployment monitoring, including mechanisms for appeal and override'),
      nist('MANAGE 2.4', 'mechanisms to supersede the system where outcomes are inconsistent with intended use'),
    ],
  },
  fallbacks: {
    title: 'Timeouts, fallbacks and escalations',
    about:
      'Holds nobody decided in time, and the fallback each one’s rule applied (reject unless the rule says otherwise); work handed to experts, and why.',
    citations: [
      eu('Art. 14(4)(e)', 'interrupting the system so that it comes to a halt in a safe state'),
      eu('Art. 12(2)(a)', 'logs that help identify situations that may present a risk'),
      nist('MANAGE 2.3', 'procedures to respond to and recover from previously unknown risks'),
      nist('MANAGE 4.1', 'post-deployment monitoring, including incident response and recovery'),
    ],
  },
  sla: {
    title: 'Review service levels (SLA breaches)',
    about: 'Review tasks whose queue SLA fell due in the period, and how many were not done in time, per queue.',
    citations: [
      eu('Art. 14(4)(a)', 'duly monitoring operation, detecting and addressing anomalies and dysfunctions'),
      eu('Art. 26(5)', 'deployers monitor the operation of the high-risk system'),
      nist('MANAGE 2.1', 'resources required to manage AI risks taken into account'),
      nist('MANAGE 4.1', 'post-deployment monitoring plans implemented'),
    ],
  },
  reviewers: {
    title: 'Reviewers: qualification and calibration at the time of each judgment',
    about:
      'Who judged, and the standing each reviewer held when they judged (qualifying, active, recalibrating, suspended, or not held to one: managers and admins), rebuilt from the audited standing changes; accuracy on gold and calibration sessions.',
    citations: [
      eu('Art. 26(2)', 'oversight assigned to persons with the necessary competence, training and authority'),
      eu('Art. 14(4)(a)–(c)', 'overseers enabled to understand the system, stay aware of automation bias and interpret its output'),
      eu(
        'Art. 12(3)(d)',
        'identification of the persons who verified results (required for remote biometric identification; recorded here for every system)',
      ),
      nist('MANAGE 2.2', 'mechanisms applied to sustain the value of deployed AI systems'),
      nist('MANAGE 4.1', 'mechanisms for capturing and evaluating input from relevant AI actors'),
    ],
  },
  versions: {
    title: 'Guideline and policy versions in force',
    about:
      'The routing policy, reviewer guidelines and rubric versions in force during the period (who saved each, when), and the versions recorded on items and judgments.',
    citations: [
      eu('Art. 12(2)(a)', 'logs that help identify substantial modifications'),
      eu('Art. 14(4)(a), (c)', 'overseers enabled to understand the system and correctly interpret its output'),
      nist('MANAGE 4.1', 'post-deployment monitoring, including change management'),
      nist('MANAGE 4.2', 'measurable activities for continual improvement integrated into system updates'),
    ],
  },
  monitoring: {
    title: 'Drift alerts and red-team results',
    about: 'Drift monitor alerts (audit events `alert.*`) and red-team campaigns (`campaign.*`) recorded for the project in the period.',
    citations: [
      eu('Art. 72', 'post-market monitoring by providers'),
      eu('Art. 12(2)(b)', 'logs that facilitate post-market monitoring'),
      eu('Art. 9, Art. 15', 'risk management including testing; accuracy, robustness and cybersecurity'),
      nist('MANAGE 4.1', 'post-deployment monitoring plans implemented'),
      nist('MANAGE 4.3', 'incidents and errors tracked, responded to and communicated'),
      nist('MEASURE 2.7, 3.1', 'security and resilience evaluated; emergent risks identified and tracked'),
    ],
  },
  audit: {
    title: 'Audit trail verification',
    about:
      'Every state change above is an audit event written in the transaction that made it and sealed into a SHA-256 hash chain per project. The chain was recomputed link by link when this report was generated.',
    citations: [
      eu('Art. 12(1)', 'automatic recording of events over the lifetime of the system'),
      eu('Art. 19(1), Art. 26(6)', 'automatically generated logs kept by providers and deployers (at least six months)'),
      nist('MANAGE 4.1', 'post-deployment monitoring plans implemented'),
      nist('MANAGE 4.3', 'processes for tracking incidents and errors followed and documented'),
    ],
  },
};

export const SOURCES = [
  'EU AI Act: Regulation (EU) 2024/1689 of the European Parliament and of the Council of 13 June 2024 laying down harmonised rules on artificial intelligence.',
  'NIST AI RMF 1.0: Artificial Intelligence Risk Management Framework (NIST AI 100-1), National Institute of Standards and Technology, January 2023.',
];

export const DISCLAIMER =
  'Not legal advice. The obligations cited show which requirements the records in this report can help evidence; citing them does not ' +
  'establish that any obligation applies to this system or is met, and this report is not a conformity assessment. Whether the EU AI ' +
  'Act applies, and which of its obligations fall on you as provider or deployer, depends on the system and its use: assess that with ' +
  'qualified counsel. Gists of articles are paraphrases; the regulation’s text prevails.';
