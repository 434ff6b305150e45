import { hex, LEAF_HASHES, LEAF_INPUTS, ROOT_HASHES } from '../test/example-tree';
import { EMPTY_ROOT, hashChildren, hashLeaf, treeHash } from './rfc6962';

/**
 * Vectors from transparency-dev/merkle@417fb0c: rfc6962/rfc6962_test.go
 * (TestRFC6962Hasher) and the example tree of testonly/constants.go.
 */
describe('RFC 6962 hashing', () => {
  it.each([
    ['the empty tree', EMPTY_ROOT, 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['an empty leaf', hashLeaf(Buffer.alloc(0)), '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d'],
    ['the leaf "L123456"', hashLeaf(Buffer.from('L123456')), '395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56'],
    [
      'the node of "N123" and "N456"',
      hashChildren(Buffer.from('N123'), Buffer.from('N456')),
      'aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb',
    ],
  ])('hashes %s', (_name, got, want) => {
    expect(got.toString('hex')).toBe(want);
  });

  it('hashes the leaves of the RFC 6962 example tree', () => {
    expect(LEAF_INPUTS.map((leaf) => hashLeaf(leaf).toString('hex'))).toEqual(LEAF_HASHES);
  });

  it.each(ROOT_HASHES.map((root, size) => [size, root]))('computes MTH of the first %i leaves', (size, root) => {
    expect(treeHash(LEAF_HASHES.slice(0, size).map(hex)).toString('hex')).toBe(root);
  });
});
