export { privateMongoUrl, testLogger, testStores } from './stores.ts';
export { makeUser, randomPhone, type TestUser } from './users.ts';
export { freePort } from './ports.ts';
export { loginThrough } from './stack-env.ts';
export { startNatsServer, type TestNatsServer } from './nats-server.ts';
export { startRedisServer, type TestRedisServer } from './redis-server.ts';
export { startPostgresServer, type TestPostgresServer } from './postgres-server.ts';
export { startFerretServer, type TestFerretServer } from './ferretdb-server.ts';
export { startS3Server, type TestS3Server } from './s3-server.ts';
export type { ServerProcess } from './server-process.ts';
export { makeDirectChat, makeGroupChat, makeManyDirectChats, type TestChat } from './chats.ts';
export { captureEvents, type CapturedEvent, type EventCapture } from './events.ts';
export {
  expectError,
  expectOk,
  inject,
  type Caller,
  request,
  type Envelope,
  type GatewayRequest,
  type InjectRequest,
  type Reply,
} from './envelope.ts';
export { eventually, using, type TeardownContext } from './harness.ts';
export { repoRoot, spawnService, type SpawnedService } from './service-process.ts';
export {
  STACK_JWT_SECRET,
  STACK_OTP,
  STACK_SERVICES,
  startStack,
  type Stack,
  type StackOptions,
  type StackService,
  type StackSession,
  type StackStores,
  type WebsocketInstance,
} from './stack.ts';
export {
  createTestDatabase,
  openOnOwnDatabase,
  privateMongoDatabase,
  type OwnDatabaseStore,
  type TestDatabase,
  type TestMongoDatabase,
} from './stack-stores.ts';
export { TestSocket, type ReceivedFrame } from './ws-client.ts';
export { startGrpcFake, type FakeCalls, type FakeImpl, type GrpcFake } from './grpc-fake.ts';
export {
  createUserDirectory,
  type FakeAudience,
  type FakeUserInput,
  type FakeUserRecord,
  type UserDirectory,
  type UserDirectoryOptions,
} from './user-directory-fake.ts';
export {
  createChatDirectory,
  type ChatDirectory,
  type FakeChat,
  type FakeParticipant,
} from './chat-directory-fake.ts';
export { createAuthDirectory, type AuthDirectory, type FakeSession } from './auth-fake.ts';
export { startJaegerServer, type TestJaeger } from './jaeger-server.ts';
