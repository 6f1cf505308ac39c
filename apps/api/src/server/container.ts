import { type ContainerType, type ResolverData } from 'type-graphql';

/** Any resolver class; only its identity is used, as the key of its factory. */
export type ResolverClass = abstract new (...args: never[]) => unknown;

/** A minimal dependency container: resolvers receive the services of their server through their constructor. */
export class ServiceContainer implements ContainerType {
  private readonly instances = new Map<ResolverClass, unknown>();

  constructor(private readonly factories: Map<ResolverClass, () => unknown>) {}

  get(someClass: ResolverClass, _resolverData: ResolverData): unknown {
    let instance = this.instances.get(someClass);
    if (instance === undefined) {
      const factory = this.factories.get(someClass);
      if (!factory) throw new Error(`no factory registered for ${someClass.name}`);
      instance = factory();
      this.instances.set(someClass, instance);
    }
    return instance;
  }
}
