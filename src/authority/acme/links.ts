/**
 * The URLs of one ACME provisioner's resources, as step-ca lays them out
 * (acme/api/linker.go): `<base>/directory`, `new-nonce`, `new-account`,
 * `account/<id>`, `account/<id>/orders`, `new-order`, `order/<id>`,
 * `order/<id>/finalize`, `authz/<id>`, `challenge/<authz>/<id>`,
 * `certificate/<id>`, `revoke-cert`, `key-change`; plus fedca's ARI `renewal-info`.
 * `base` is `https://<host>[/1.0]/acme/<provisioner>`, from the request that is being answered.
 */
export class AcmeLinks {
  constructor(readonly base: string) {}

  get directory(): string {
    return `${this.base}/directory`;
  }
  get newNonce(): string {
    return `${this.base}/new-nonce`;
  }
  get newAccount(): string {
    return `${this.base}/new-account`;
  }
  get newOrder(): string {
    return `${this.base}/new-order`;
  }
  get revokeCert(): string {
    return `${this.base}/revoke-cert`;
  }
  get keyChange(): string {
    return `${this.base}/key-change`;
  }
  get renewalInfo(): string {
    return `${this.base}/renewal-info`;
  }
  account(id: string): string {
    return `${this.base}/account/${id}`;
  }
  accountOrders(id: string): string {
    return `${this.base}/account/${id}/orders`;
  }
  order(id: string): string {
    return `${this.base}/order/${id}`;
  }
  finalize(orderId: string): string {
    return `${this.base}/order/${orderId}/finalize`;
  }
  authorization(id: string): string {
    return `${this.base}/authz/${id}`;
  }
  challenge(authorizationId: string, id: string): string {
    return `${this.base}/challenge/${authorizationId}/${id}`;
  }
  certificate(id: string): string {
    return `${this.base}/certificate/${id}`;
  }
  /** The account id an account URL (a JWS `kid`) names, if it is one of this provisioner's. */
  accountIdOf(url: string): string | undefined {
    const prefix = `${this.base}/account/`;
    if (!url.startsWith(prefix)) return undefined;
    const id = url.slice(prefix.length);
    return /^[A-Za-z0-9_-]{1,64}$/.test(id) ? id : undefined;
  }
}
