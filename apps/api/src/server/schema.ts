import 'reflect-metadata';
import { type GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { type DataSource } from 'typeorm';
import { CorrelationResolver } from '../modules/correlation/correlation.resolver';
import { CorrelationService } from '../modules/correlation/correlation.service';
import { StudyResolver } from '../modules/study/study.resolver';
import { StudyService } from '../modules/study/study.service';
import { ServiceContainer, type ResolverClass } from './container';

const RESOLVERS = [CorrelationResolver, StudyResolver] as const;

/** The GraphQL schema over one results database. */
export function buildApiSchema(dataSource: DataSource): Promise<GraphQLSchema> {
  const correlations = new CorrelationService(dataSource);
  const studies = new StudyService(dataSource);
  const container = new ServiceContainer(
    new Map<ResolverClass, () => unknown>([
      [CorrelationResolver, () => new CorrelationResolver(correlations)],
      [StudyResolver, () => new StudyResolver(studies)],
    ]),
  );
  return buildSchema({ resolvers: RESOLVERS, container, validate: { forbidUnknownValues: false } });
}
