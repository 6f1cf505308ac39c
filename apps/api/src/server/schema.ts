import 'reflect-metadata';
import { type GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { type DataSource } from 'typeorm';
import { roleAuthChecker } from '../modules/auth/auth-checker';
import { ApiTokenService } from '../modules/auth/api-token.service';
import { AuthResolver } from '../modules/auth/auth.resolver';
import { BrowseResolver } from '../modules/browse/browse.resolver';
import { BrowseService } from '../modules/browse/browse.service';
import { CorrelationResolver } from '../modules/correlation/correlation.resolver';
import { CorrelationService, DEFAULT_CORRELATION_LIMITS, type CorrelationLimits } from '../modules/correlation/correlation.service';
import { UnitProgressResolver } from '../modules/progress/unit-progress.resolver';
import { UnitProgressService } from '../modules/progress/unit-progress.service';
import { RegistrationResolver } from '../modules/registration/registration.resolver';
import { RegistrationService } from '../modules/registration/registration.service';
import { ResultsResolver } from '../modules/results/results.resolver';
import { ResultsService } from '../modules/results/results.service';
import { StudyResolver } from '../modules/study/study.resolver';
import { StudyService } from '../modules/study/study.service';
import { ServiceContainer, type ResolverClass } from './container';

const RESOLVERS = [CorrelationResolver, StudyResolver, BrowseResolver, ResultsResolver, RegistrationResolver, UnitProgressResolver, AuthResolver] as const;

export interface ApiServices {
  correlations: CorrelationService;
  studies: StudyService;
  browse: BrowseService;
  results: ResultsService;
  registration: RegistrationService;
  unitProgress: UnitProgressService;
  tokens: ApiTokenService;
}

export interface ServiceLimits extends CorrelationLimits {
  /** Largest uploaded results file, in bytes. */
  maxUploadBytes: number;
}

export const DEFAULT_SERVICE_LIMITS: ServiceLimits = { ...DEFAULT_CORRELATION_LIMITS, maxUploadBytes: 10 * 1024 * 1024 };

/** The services of one server over one results database. */
export function createServices(dataSource: DataSource, limits: ServiceLimits = DEFAULT_SERVICE_LIMITS): ApiServices {
  return {
    correlations: new CorrelationService(dataSource, limits),
    studies: new StudyService(dataSource),
    browse: new BrowseService(dataSource),
    results: new ResultsService(dataSource, limits.maxUploadBytes),
    registration: new RegistrationService(dataSource),
    unitProgress: new UnitProgressService(dataSource),
    tokens: new ApiTokenService(dataSource),
  };
}

/** The GraphQL schema over the services (resolvers receive them through their constructors). */
export function buildApiSchema(services: ApiServices): Promise<GraphQLSchema> {
  const container = new ServiceContainer(
    new Map<ResolverClass, () => unknown>([
      [CorrelationResolver, () => new CorrelationResolver(services.correlations)],
      [StudyResolver, () => new StudyResolver(services.studies)],
      [BrowseResolver, () => new BrowseResolver(services.browse)],
      [ResultsResolver, () => new ResultsResolver(services.results)],
      [RegistrationResolver, () => new RegistrationResolver(services.registration)],
      [UnitProgressResolver, () => new UnitProgressResolver(services.unitProgress)],
      [AuthResolver, () => new AuthResolver(services.tokens)],
    ]),
  );
  return buildSchema({ resolvers: RESOLVERS, container, authChecker: roleAuthChecker, validate: { forbidUnknownValues: false } });
}
