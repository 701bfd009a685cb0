import * as data from './event-data';

/** Every event type of events.md v1, with the class that validates its `data`. */
export const EVENT_DATA_CLASSES = {
  AccountOpened: data.AccountOpenedData,
  AccountOwnerAssigned: data.AccountOwnerAssignedData,
  KeyAccountDesignated: data.KeyAccountDesignatedData,
  KeyAccountRevoked: data.KeyAccountRevokedData,
  InteractionLogged: data.InteractionLoggedData,
  SupportTicketOpened: data.SupportTicketOpenedData,
  SupportTicketResolved: data.SupportTicketResolvedData,
  SurveyResponded: data.SurveyRespondedData,
  UsageReported: data.UsageReportedData,
  ReferralGiven: data.ReferralGivenData,
  ContractSigned: data.ContractSignedData,
  ContractAmended: data.ContractAmendedData,
  ContractTerminated: data.ContractTerminatedData,
  RenewalOpened: data.RenewalOpenedData,
  RenewalWon: data.RenewalWonData,
  RenewalLost: data.RenewalLostData,
  EventRetracted: data.EventRetractedData,
  StakeholderIdentified: data.StakeholderIdentifiedData,
  StakeholderChanged: data.StakeholderChangedData,
  StakeholderLeft: data.StakeholderLeftData,
  AccountGoalSet: data.AccountGoalSetData,
  AccountGoalClosed: data.AccountGoalClosedData,
  ActionPlanned: data.ActionPlannedData,
  ActionCompleted: data.ActionCompletedData,
  CadenceAgreed: data.CadenceAgreedData,
  CompetitorDetected: data.CompetitorDetectedData,
  CompetitorCleared: data.CompetitorClearedData,
  InvoiceIssued: data.InvoiceIssuedData,
  InvoicePaid: data.InvoicePaidData,
  KeyAccountAssessed: data.KeyAccountAssessedData,
} as const;

export type EventType = keyof typeof EVENT_DATA_CLASSES;
export const EVENT_TYPES = Object.keys(EVENT_DATA_CLASSES) as EventType[];
export const SCHEMA_VERSION = 1;

export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(EVENT_DATA_CLASSES, value);
}

type DataOf<T extends EventType> = InstanceType<(typeof EVENT_DATA_CLASSES)[T]>;

/** A fact about an account: the catalog's type with its data, as a discriminated union. */
export type AccountEvent = { [T in EventType]: { type: T; data: DataOf<T> } }[EventType];
export type AccountEventOf<T extends EventType> = Extract<AccountEvent, { type: T }>;
