//! The iteration order of a `java.util.HashMap`, which is the order of `requestContext` and `identity`.
//!
//! API Gateway builds both objects as Java hash maps and serializes them in iteration order: the recorded
//! `$context.keySet()` order (`resourceId, resourcePath, httpMethod, extendedRequestId, …`) and the identity
//! orders in real execution logs are exactly what a `HashMap` filled by `put` in one insertion order gives for
//! the keys present. The order therefore depends on which keys are present: 13 or more identity keys (an API
//! key adds `apiKey` and `apiKeyId`) grow the table from 16 to 32 buckets and reshuffle it, as the logs show.
//!
//! Model (Java 8 and later): bucket = `(h ^ (h >>> 16)) & (capacity - 1)` with `h = String.hashCode()`,
//! capacity 16 doubling whenever the size exceeds three quarters of it; iteration visits buckets in index order
//! and, within a bucket, entries in insertion order (resizing keeps their relative order).

/// `java.lang.String.hashCode()` of a key (keys here are ASCII, so UTF-16 units equal bytes).
pub(crate) const fn string_hash(key: &str) -> u32 {
    let bytes = key.as_bytes();
    let mut hash: u32 = 0;
    let mut i = 0;
    while i < bytes.len() {
        hash = hash.wrapping_mul(31).wrapping_add(bytes[i] as u32);
        i += 1;
    }
    hash
}

/// `HashMap.hash(key)`: the high half folded into the low half.
pub(crate) const fn spread(hash: u32) -> u32 {
    hash ^ (hash >> 16)
}

/// The table capacity of a `HashMap` created with the default capacity after `len` puts of distinct keys.
pub(crate) const fn capacity_for(len: usize) -> u32 {
    let mut capacity: usize = 16;
    while len > capacity / 4 * 3 {
        capacity *= 2;
    }
    capacity as u32
}

/// Sorts `keys` (given in insertion order as `(spread hash, payload)`) into iteration order.
pub(crate) fn sort_into_iteration_order<T: Copy>(keys: &mut [(u32, T)]) {
    let mask = capacity_for(keys.len()) - 1;
    // A stable sort by bucket keeps insertion order within a bucket. The slices are at most a few dozen long.
    keys.sort_by_key(|&(hash, _)| hash & mask);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(insertion: &[&'static str]) -> Vec<&'static str> {
        let mut keys: Vec<(u32, &str)> = insertion.iter().map(|&k| (spread(string_hash(k)), k)).collect();
        sort_into_iteration_order(&mut keys);
        keys.into_iter().map(|(_, k)| k).collect()
    }

    #[test]
    fn string_hash_matches_java() {
        // Values of "".hashCode(), "a".hashCode() and "hello".hashCode() in Java.
        assert_eq!(string_hash(""), 0);
        assert_eq!(string_hash("a"), 97);
        assert_eq!(string_hash("hello") as i32, 99_162_322);
    }

    #[test]
    fn capacity_grows_past_three_quarters() {
        assert_eq!(capacity_for(12), 16);
        assert_eq!(capacity_for(13), 32);
        assert_eq!(capacity_for(24), 32);
        assert_eq!(capacity_for(25), 64);
    }

    #[test]
    fn reproduces_the_recorded_identity_orders() {
        // Twelve keys (REC/ lambda test_lambda_aws_proxy_integration; spec §2.3 identity order).
        let insertion = [
            "cognitoIdentityPoolId",
            "accountId",
            "cognitoIdentityId",
            "caller",
            "sourceIp",
            "principalOrgId",
            "accessKey",
            "cognitoAuthenticationType",
            "cognitoAuthenticationProvider",
            "userArn",
            "userAgent",
            "user",
        ];
        assert_eq!(order(&insertion), insertion);
        // Fourteen keys with an API key: TestInvoke execution logs ("Endpoint request body after
        // transformations") show the first nine in this order (2022, truncated after accountId) and the rest in
        // this order (2018, before principalOrgId existed; its bucket moves no other key).
        let with_key = [
            "cognitoIdentityPoolId",
            "accountId",
            "cognitoIdentityId",
            "caller",
            "apiKey",
            "sourceIp",
            "principalOrgId",
            "accessKey",
            "cognitoAuthenticationType",
            "cognitoAuthenticationProvider",
            "userArn",
            "apiKeyId",
            "userAgent",
            "user",
        ];
        assert_eq!(
            order(&with_key),
            [
                "cognitoIdentityPoolId",
                "cognitoIdentityId",
                "apiKey",
                "principalOrgId",
                "cognitoAuthenticationType",
                "userArn",
                "apiKeyId",
                "userAgent",
                "accountId",
                "caller",
                "sourceIp",
                "accessKey",
                "cognitoAuthenticationProvider",
                "user",
            ]
        );
    }
}
